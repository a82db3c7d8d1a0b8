using ExpertRouter.Core.VectorStore;
using ExpertRouter.Testing;
using static ExpertRouter.Core.Tests.VectorStore.VectorStoreContractTests;

namespace ExpertRouter.Core.Tests.VectorStore;

public sealed class EmbeddedVectorStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new("vectors");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Collections_SurviveANewInstance_OnTheSameDirectory()
    {
        float[] query = [1, 0.5f, 0, 0];
        IReadOnlyList<VectorSearchResult> before;
        await using (var store = Open())
        {
            await store.EnsureCollectionAsync("pilots", 4);
            await store.EnsureCollectionAsync("empty", 7);
            await store.UpsertAsync("pilots",
            [
                Point("a", [1, 0, 0, 0], ("expert", "math"), ("kind", "pilot")),
                Point("b", [1, 1, 0, 0], ("expert", "bio")),
                Point("c", [0, 0, 1, 0], ("expert", "math")),
                Point("gone", [0, 0, 0, 1]),
            ]);
            await store.DeleteAsync("pilots", ["gone"]);
            await store.UpsertAsync("pilots", [Point("b", [1, 2, 0, 0], ("expert", "bio"), ("outcome", "correct"))]);
            before = await store.SearchAsync("pilots", query, 10);
        }

        await using (var reopened = Open())
        {
            Assert.Equal(new VectorCollectionInfo("empty", 7, 0), await reopened.GetCollectionAsync("empty"));
            var after = await reopened.SearchAsync("pilots", query, 10);
            Assert.Equal(before.Select(h => (h.Id, h.Score)), after.Select(h => (h.Id, h.Score)));
            Assert.Equal("correct", after.Single(h => h.Id == "b").Payload["outcome"]);
            Assert.Equal(2, await reopened.CountAsync("pilots", VectorFilter.Where("expert", "math")));
            Assert.Equal(["a"], (await reopened.ListAsync("pilots", VectorFilter.Where("kind", "pilot"))).Select(p => p.Id));
            Assert.Empty(reopened.LoadErrors);

            Assert.True(await reopened.DeleteCollectionAsync("empty"));
        }

        await using var third = Open();
        Assert.Null(await third.GetCollectionAsync("empty"));
        Assert.Equal(3, await third.CountAsync("pilots"));
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.tmp*"));
    }

    [Fact]
    public async Task Changes_AreWrittenShortlyAfter_WithoutDisposing()
    {
        var store = Open(TimeSpan.FromMilliseconds(30));
        await store.EnsureCollectionAsync("c", 2);
        await store.UpsertAsync("c", [Point("p", [1, 0])]);

        // The file appears whole (written aside, then renamed) once the flush delay has passed.
        var path = Path.Combine(_directory.Path, "c.vec");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!File.Exists(path) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await using var reader = new EmbeddedVectorStore(new EmbeddedVectorStoreOptions { Directory = _directory.Path });
        Assert.Equal(1, await reader.CountAsync("c"));
        await store.DisposeAsync();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("bitflip")]
    [InlineData("empty")]
    public async Task ADamagedFile_IsReportedClearly_AndDoesNotStopTheOthers(string damage)
    {
        await using (var store = Open())
        {
            await store.EnsureCollectionAsync("good", 3);
            await store.EnsureCollectionAsync("bad", 3);
            var random = new Random(1);
            var points = Enumerable.Range(0, 50).Select(i => new VectorPoint($"p{i}", [(float)random.NextDouble() + 0.1f, 1, 2])).ToList();
            await store.UpsertAsync("good", points);
            await store.UpsertAsync("bad", points);
        }

        var path = Path.Combine(_directory.Path, "bad.vec");
        var bytes = await File.ReadAllBytesAsync(path);
        byte[] damaged = damage switch
        {
            "garbage" => "this is not a vector file at all"u8.ToArray(),
            "truncated" => bytes[..(bytes.Length - 37)],
            "bitflip" => Flip(bytes, bytes.Length / 2),
            _ => [],
        };
        await File.WriteAllBytesAsync(path, damaged);

        await using var reopened = Open();
        Assert.Equal(50, await reopened.CountAsync("good"));
        var error = Assert.Single(reopened.LoadErrors);
        Assert.Equal("bad", error.Key);
        var e = await Assert.ThrowsAsync<VectorStoreException>(() => reopened.CountAsync("bad"));
        Assert.Equal(VectorStoreErrorKind.Corrupt, e.Kind);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        var ensure = await Assert.ThrowsAsync<VectorStoreException>(() => reopened.EnsureCollectionAsync("bad", 3));
        Assert.Equal(VectorStoreErrorKind.Corrupt, ensure.Kind);

        // Deleting the collection is the way out.
        Assert.True(await reopened.DeleteCollectionAsync("bad"));
        Assert.False(File.Exists(path));
        await reopened.EnsureCollectionAsync("bad", 3);
        Assert.Equal(0, await reopened.CountAsync("bad"));
    }

    [Fact]
    public async Task Search_IsExact_AgainstBruteForce_On10000RandomVectors()
    {
        const int Count = 10_000;
        const int Dimensions = 48;
        await using var store = new EmbeddedVectorStore();
        await store.EnsureCollectionAsync("r", Dimensions);
        var random = new Random(42);
        var vectors = new float[Count][];
        var points = new VectorPoint[Count];
        for (var i = 0; i < Count; i++)
        {
            vectors[i] = Gaussian(random, Dimensions);
            points[i] = Point($"v{i:D5}", vectors[i], ("group", (i % 16).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        await store.UpsertAsync("r", points);
        var norms = vectors.Select(v => Math.Sqrt(v.Sum(x => (double)x * x))).ToArray();

        for (var q = 0; q < 60; q++)
        {
            var query = Gaussian(random, Dimensions);
            var group = q % 2 == 0 ? null : (q % 16).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var filter = group is null ? null : VectorFilter.Where("group", group);
            var expected = Enumerable.Range(0, Count)
                .Where(i => group is null || i % 16 == q % 16)
                .Select(i => (Id: $"v{i:D5}", Score: Cosine(query, vectors[i], norms[i])))
                .OrderByDescending(x => x.Score)
                .Take(10)
                .ToList();

            var hits = await store.SearchAsync("r", query, 10, filter);

            Assert.Equal(expected.Select(x => x.Id), hits.Select(h => h.Id));
            for (var i = 0; i < hits.Count; i++)
            {
                Assert.Equal(expected[i].Score, hits[i].Score, 4);
            }
        }
    }

    [Fact]
    public async Task Search_BreaksTiesById_AtTheCutOff()
    {
        await using var store = new EmbeddedVectorStore();
        await store.EnsureCollectionAsync("t", 2);
        await store.UpsertAsync("t", [Point("d", [1, 3]), Point("b", [1, 3]), Point("c", [1, 3]), Point("a", [1, 3])]);

        Assert.Equal(["a", "b"], (await store.SearchAsync("t", new float[] { 1, 1 }, 2)).Select(h => h.Id));
        await store.DeleteAsync("t", ["a"]);
        Assert.Equal(["b", "c"], (await store.SearchAsync("t", new float[] { 1, 1 }, 2)).Select(h => h.Id));
    }

    [Fact]
    public async Task ManyDeletesAndReplacements_KeepTheIndexConsistent()
    {
        await using var store = new EmbeddedVectorStore();
        await store.EnsureCollectionAsync("m", 3);
        var random = new Random(3);
        var model = new Dictionary<string, (float[] Vector, string Group)>();
        for (var step = 0; step < 2_000; step++)
        {
            var id = $"p{random.Next(300)}";
            if (random.Next(3) == 0)
            {
                await store.DeleteAsync("m", [id]);
                model.Remove(id);
            }
            else
            {
                var v = new float[] { (float)random.NextDouble() + 0.01f, (float)random.NextDouble(), (float)random.NextDouble() };
                var group = $"g{random.Next(4)}";
                await store.UpsertAsync("m", [Point(id, v, ("group", group))]);
                model[id] = (v, group);
            }
        }

        Assert.Equal(model.Count, await store.CountAsync("m"));
        for (var g = 0; g < 4; g++)
        {
            var expected = model.Where(p => p.Value.Group == $"g{g}").Select(p => p.Key).Order(StringComparer.Ordinal);
            Assert.Equal(expected, (await store.ListAsync("m", VectorFilter.Where("group", $"g{g}"))).Select(p => p.Id));
        }

        await store.DeleteWhereAsync("m", VectorFilter.WhereAny("group", ["g0", "g1"]));
        Assert.Equal(model.Count(p => p.Value.Group is "g2" or "g3"), await store.CountAsync("m"));
    }

    [Fact]
    public async Task Scroll_SkipsPointsDeletedWhileScrolling()
    {
        await using var store = new EmbeddedVectorStore();
        await store.EnsureCollectionAsync("s", 2);
        await store.UpsertAsync("s", Enumerable.Range(0, 600).Select(i => Point($"p{i:D3}", [1, i])).ToList());

        var seen = new List<string>();
        await foreach (var p in store.ScrollAsync("s"))
        {
            if (seen.Count == 10)
            {
                await store.DeleteAsync("s", ["p500", "p599"]);
            }

            seen.Add(p.Id);
        }

        Assert.Equal(598, seen.Count);
        Assert.DoesNotContain("p500", seen);
    }

    [Fact]
    public void Describe_NamesTheDirectory()
    {
        using var store = Open();
        Assert.Equal($"embedded ({_directory.Path})", store.Describe());
        using var memory = new EmbeddedVectorStore();
        Assert.Equal("embedded (in memory)", memory.Describe());
    }

    private EmbeddedVectorStore Open(TimeSpan? flushDelay = null) =>
        new(new EmbeddedVectorStoreOptions { Directory = _directory.Path, FlushDelay = flushDelay ?? TimeSpan.FromSeconds(10) });

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x10;
        return copy;
    }

    private static float[] Gaussian(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return v;
    }

    private static double Cosine(float[] query, float[] vector, double norm)
    {
        double dot = 0, qq = 0;
        for (var i = 0; i < query.Length; i++)
        {
            dot += (double)query[i] * vector[i];
            qq += (double)query[i] * query[i];
        }

        return dot / (Math.Sqrt(qq) * norm);
    }
}
