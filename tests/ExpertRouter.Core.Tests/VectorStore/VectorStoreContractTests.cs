using System.Numerics.Tensors;
using ExpertRouter.Core.VectorStore;

namespace ExpertRouter.Core.Tests.VectorStore;

/// <summary>
/// The behaviour every <see cref="IVectorStore"/> must show, run against each implementation by a subclass.
/// Every test uses its own collection names, so a shared server can run them.
/// </summary>
public abstract class VectorStoreContractTests : IAsyncLifetime
{
    private readonly string _prefix = "ct-" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<string> _collections = [];
    private IVectorStore? _store;

    /// <summary>Why this implementation cannot run here (null when it can).</summary>
    protected abstract string? SkipReason { get; }

    protected IVectorStore Store => _store ?? throw new InvalidOperationException("The store was not created.");

    protected abstract IVectorStore CreateStore();

    public Task InitializeAsync()
    {
        if (SkipReason is null)
        {
            _store = CreateStore();
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_store is null)
        {
            return;
        }

        foreach (var c in _collections)
        {
            try
            {
                await _store.DeleteCollectionAsync(c);
            }
            catch (VectorStoreException)
            {
            }
        }

        await _store.DisposeAsync();
    }

    [SkippableFact]
    public async Task Ensure_IsIdempotent_AndDescribesTheCollection()
    {
        var c = await NewCollectionAsync(3);
        await Store.EnsureCollectionAsync(c, 3);
        await Store.EnsureCollectionAsync(c, 3);

        var info = await Store.GetCollectionAsync(c);
        Assert.Equal(new VectorCollectionInfo(c, 3, 0), info);
        Assert.Null(await Store.GetCollectionAsync(Name("never-created")));
        Assert.False(string.IsNullOrWhiteSpace(Store.Describe()));
    }

    [SkippableFact]
    public async Task Ensure_WithAnotherDimension_IsWrongDimension()
    {
        var c = await NewCollectionAsync(3);
        var e = await Assert.ThrowsAsync<VectorStoreException>(() => Store.EnsureCollectionAsync(c, 4));
        Assert.Equal(VectorStoreErrorKind.WrongDimension, e.Kind);
        Assert.Contains(c, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Search_ReturnsCosineScores_BestFirst()
    {
        var c = await NewCollectionAsync(3);
        await Store.UpsertAsync(c,
        [
            Point("same", [1, 0, 0], ("kind", "a")),
            Point("diagonal", [3, 3, 0], ("kind", "b")),
            Point("orthogonal", [0, 5, 0], ("kind", "a")),
            Point("opposite", [-2, 0, 0], ("kind", "b")),
        ]);

        var hits = await Store.SearchAsync(c, new float[] { 2, 0, 0 }, 3);

        Assert.Equal(["same", "diagonal", "orthogonal"], hits.Select(h => h.Id));
        Assert.Equal(1f, hits[0].Score, 4);
        Assert.Equal(MathF.Sqrt(0.5f), hits[1].Score, 4);
        Assert.Equal(0f, hits[2].Score, 4);
        Assert.Equal("b", hits[1].Payload["kind"]);

        var all = await Store.SearchAsync(c, new float[] { 2, 0, 0 }, 10);
        Assert.Equal(4, all.Count);
        Assert.Equal("opposite", all[3].Id);
        Assert.Equal(-1f, all[3].Score, 4);
    }

    [SkippableFact]
    public async Task Search_OrdersEqualScoresById()
    {
        var c = await NewCollectionAsync(2);
        await Store.UpsertAsync(c, [Point("b", [1, 1]), Point("c", [2, 2]), Point("a", [0.5f, 0.5f]), Point("z", [1, 0])]);

        var hits = await Store.SearchAsync(c, new float[] { 1, 1 }, 10);

        Assert.Equal(["a", "b", "c", "z"], hits.Select(h => h.Id));
    }

    [SkippableFact]
    public async Task Upsert_WithAnExistingId_ReplacesVectorAndPayload()
    {
        var c = await NewCollectionAsync(2);
        await Store.UpsertAsync(c, [Point("p", [1, 0], ("expert", "x")), Point("q", [0, 1], ("expert", "x"))]);
        await Store.UpsertAsync(c, [Point("p", [0, 1], ("expert", "y"))]);

        Assert.Equal(2, await Store.CountAsync(c));
        Assert.Equal(1, await Store.CountAsync(c, VectorFilter.Where("expert", "x")));
        var hits = await Store.SearchAsync(c, new float[] { 0, 1 }, 10, VectorFilter.Where("expert", "y"));
        var hit = Assert.Single(hits);
        Assert.Equal("p", hit.Id);
        Assert.Equal(1f, hit.Score, 4);
    }

    [SkippableFact]
    public async Task Upsert_WithAnIdTwiceInOneBatch_KeepsTheLast()
    {
        var c = await NewCollectionAsync(2);
        await Store.UpsertAsync(c, [Point("p", [1, 0], ("v", "first")), Point("p", [0, 1], ("v", "last"))]);

        var p = Assert.Single(await Store.ListAsync(c));
        Assert.Equal("last", p.Payload["v"]);
    }

    [SkippableFact]
    public async Task Filters_MatchSingleMultipleAndAnyConditions()
    {
        var c = await NewCollectionAsync(2);
        await Store.UpsertAsync(c,
        [
            Point("m1", [1, 0], ("expert", "math"), ("kind", "pilot")),
            Point("m2", [1, 0.1f], ("expert", "math"), ("kind", "answer")),
            Point("b1", [1, 0.2f], ("expert", "bio"), ("kind", "pilot")),
            Point("c1", [1, 0.3f], ("expert", "chem"), ("kind", "pilot")),
            Point("n1", [1, 0.4f]),
        ]);
        float[] q = [1, 0];

        Assert.Equal(["m1", "m2"], Ids(await Store.SearchAsync(c, q, 10, VectorFilter.Where("expert", "math"))));
        Assert.Equal(["m1"], Ids(await Store.SearchAsync(c, q, 10, VectorFilter.Where("expert", "math").And("kind", "pilot"))));
        Assert.Equal(["m1", "b1"], Ids(await Store.SearchAsync(c, q, 10, VectorFilter.WhereAny("expert", ["math", "bio"]).And("kind", "pilot"))));
        Assert.Empty(await Store.SearchAsync(c, q, 10, VectorFilter.Where("expert", "law")));
        Assert.Empty(await Store.SearchAsync(c, q, 10, VectorFilter.Where("expert", "bio").And("kind", "answer")));
        Assert.Empty(await Store.SearchAsync(c, q, 10, VectorFilter.Where("missing-key", "x")));
        Assert.Equal(5, (await Store.SearchAsync(c, q, 10, VectorFilter.All)).Count);

        Assert.Equal(3, await Store.CountAsync(c, VectorFilter.Where("kind", "pilot")));
        Assert.Equal(0, await Store.CountAsync(c, VectorFilter.Where("kind", "nothing")));
        Assert.Equal(5, await Store.CountAsync(c));
    }

    [SkippableFact]
    public async Task Delete_ByIdAndByFilter()
    {
        var c = await NewCollectionAsync(2);
        await Store.UpsertAsync(c,
        [
            Point("a1", [1, 0], ("expert", "a")),
            Point("a2", [1, 1], ("expert", "a")),
            Point("b1", [0, 1], ("expert", "b")),
            Point("b2", [1, 2], ("expert", "b")),
        ]);

        await Store.DeleteAsync(c, ["a1", "does-not-exist"]);
        Assert.Equal(3, await Store.CountAsync(c));
        Assert.DoesNotContain("a1", Ids(await Store.SearchAsync(c, new float[] { 1, 0 }, 10)));

        await Store.DeleteWhereAsync(c, VectorFilter.Where("expert", "b"));
        Assert.Equal(["a2"], (await Store.ListAsync(c)).Select(p => p.Id));

        await Store.DeleteWhereAsync(c, VectorFilter.Where("expert", "nobody"));
        Assert.Equal(1, await Store.CountAsync(c));

        await Store.DeleteWhereAsync(c, VectorFilter.All);
        Assert.Equal(0, await Store.CountAsync(c));
        Assert.Empty(await Store.SearchAsync(c, new float[] { 1, 0 }, 10));
    }

    [SkippableFact]
    public async Task Scroll_ListsMatchingPoints_WithOrWithoutVectors()
    {
        var c = await NewCollectionAsync(2);
        await Store.UpsertAsync(c,
        [
            Point("p2", [3, 4], ("expert", "a"), ("skill", "algebra")),
            Point("p1", [1, 0], ("expert", "a")),
            Point("p3", [0, 1], ("expert", "b")),
        ]);

        var listed = await Store.ListAsync(c, VectorFilter.Where("expert", "a"));
        Assert.Equal(["p1", "p2"], listed.Select(p => p.Id));
        Assert.Empty(listed[0].Vector);
        Assert.Equal("algebra", listed[1].Payload["skill"]);
        Assert.Equal(2, listed[1].Payload.Count);

        var withVectors = await Store.ListAsync(c, withVectors: true);
        Assert.Equal(["p1", "p2", "p3"], withVectors.Select(p => p.Id));
        Assert.Equal(0.6f, withVectors[1].Vector[0], 4);
        Assert.Equal(0.8f, withVectors[1].Vector[1], 4);
        Assert.Equal(1f, TensorPrimitives.Norm<float>(withVectors[2].Vector), 4);

        Assert.Empty(await Store.ListAsync(c, VectorFilter.Where("expert", "none")));
    }

    [SkippableFact]
    public async Task Scroll_PagesThroughLargeCollections()
    {
        var c = await NewCollectionAsync(4);
        var random = new Random(7);
        var points = Enumerable.Range(0, 700).Select(i => Point($"p{i:D4}", RandomVector(random, 4), ("group", (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToList();
        await Store.UpsertAsync(c, points);

        Assert.Equal(700, await Store.CountAsync(c));
        var ids = new List<string>();
        await foreach (var p in Store.ScrollAsync(c))
        {
            ids.Add(p.Id);
        }

        Assert.Equal(points.Select(p => p.Id).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.Equal(234, (await Store.ListAsync(c, VectorFilter.Where("group", "0"))).Count);
    }

    [SkippableFact]
    public async Task EmptyCollection_SearchesToNothing()
    {
        var c = await NewCollectionAsync(3);
        Assert.Empty(await Store.SearchAsync(c, new float[] { 1, 2, 3 }, 5));
        Assert.Empty(await Store.SearchAsync(c, new float[] { 1, 2, 3 }, 5, VectorFilter.Where("a", "b")));
        Assert.Equal(0, await Store.CountAsync(c));
        Assert.Empty(await Store.ListAsync(c));
    }

    [SkippableFact]
    public async Task InvalidPoints_AreRejected_BeforeAnythingIsStored()
    {
        var c = await NewCollectionAsync(3);
        VectorPoint good = Point("good", [1, 2, 3]);
        VectorPoint[] bad =
        [
            Point("short", [1, 2]),
            Point("long", [1, 2, 3, 4]),
            Point("nan", [1, float.NaN, 3]),
            Point("inf", [float.PositiveInfinity, 0, 0]),
            Point("zero", [0, 0, 0]),
            Point("", [1, 0, 0]),
            Point("  ", [1, 0, 0]),
            Point("reserved", [1, 0, 0], (VectorPoint.ReservedPayloadKey, "x")),
            Point("dotted-key", [1, 0, 0], ("a.b", "x")),
            Point("empty-key", [1, 0, 0], ("", "x")),
        ];

        foreach (var point in bad)
        {
            var e = await Assert.ThrowsAsync<VectorStoreException>(() => Store.UpsertAsync(c, [good, point]));
            Assert.Equal(VectorStoreErrorKind.InvalidInput, e.Kind);
        }

        Assert.Equal(0, await Store.CountAsync(c));
    }

    [SkippableFact]
    public async Task InvalidQueries_AreRejected()
    {
        var c = await NewCollectionAsync(3);
        await Store.UpsertAsync(c, [Point("p", [1, 0, 0])]);

        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.SearchAsync(c, new float[] { 1, 0 }, 1));
        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.SearchAsync(c, new float[] { float.NaN, 0, 0 }, 1));
        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.SearchAsync(c, new float[] { 0, 0, 0 }, 1));
        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.SearchAsync(c, new float[] { 1, 0, 0 }, 0));
        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.DeleteAsync(c, [""]));
        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.EnsureCollectionAsync(Name("x"), 0));
        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.EnsureCollectionAsync("bad name/..", 3));
        await AssertKind(VectorStoreErrorKind.InvalidInput, () => Store.EnsureCollectionAsync("", 3));
        Assert.Throws<ArgumentException>(() => VectorFilter.Where("a.b", "x"));
        Assert.Throws<ArgumentException>(() => VectorFilter.WhereAny("a", []));
    }

    [SkippableFact]
    public async Task UnknownCollections_AreReported()
    {
        Skip.If(SkipReason is not null, SkipReason);
        var c = Name("missing");
        await AssertKind(VectorStoreErrorKind.UnknownCollection, () => Store.UpsertAsync(c, [Point("p", [1, 0])]));
        await AssertKind(VectorStoreErrorKind.UnknownCollection, () => Store.SearchAsync(c, new float[] { 1, 0 }, 1));
        await AssertKind(VectorStoreErrorKind.UnknownCollection, () => Store.CountAsync(c));
        await AssertKind(VectorStoreErrorKind.UnknownCollection, () => Store.DeleteAsync(c, ["p"]));
        await AssertKind(VectorStoreErrorKind.UnknownCollection, () => Store.DeleteWhereAsync(c, VectorFilter.Where("a", "b")));
        await AssertKind(VectorStoreErrorKind.UnknownCollection, () => Store.ListAsync(c));
        Assert.False(await Store.DeleteCollectionAsync(c));
    }

    [SkippableFact]
    public async Task DeleteCollection_RemovesItAndItsPoints()
    {
        var c = await NewCollectionAsync(2);
        await Store.UpsertAsync(c, [Point("p", [1, 0])]);

        Assert.True(await Store.DeleteCollectionAsync(c));
        Assert.False(await Store.DeleteCollectionAsync(c));
        Assert.Null(await Store.GetCollectionAsync(c));
        await AssertKind(VectorStoreErrorKind.UnknownCollection, () => Store.SearchAsync(c, new float[] { 1, 0 }, 1));

        await Store.EnsureCollectionAsync(c, 5);
        Assert.Equal(new VectorCollectionInfo(c, 5, 0), await Store.GetCollectionAsync(c));
    }

    [SkippableFact]
    public async Task ConcurrentUpsertsAndSearches_StayConsistent()
    {
        var c = await NewCollectionAsync(8);
        const int Writers = 4;
        const int Batches = 10;
        const int BatchSize = 20;
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var b = 0; b < Batches; b++)
            {
                var batch = Enumerable.Range(0, BatchSize)
                    .Select(i => Point($"w{w}-{b}-{i}", RandomVector(random, 8), ("writer", $"w{w}")))
                    .ToList();
                await Store.UpsertAsync(c, batch);
                await Store.UpsertAsync(c, [batch[0]]); // a replacement must not change the count
            }
        })).ToList();
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
        {
            var random = new Random(100 + r);
            var searches = 0;
            while (!stop.IsCancellationRequested || searches == 0)
            {
                var hits = await Store.SearchAsync(c, RandomVector(random, 8), 5, r == 0 ? VectorFilter.Where("writer", "w1") : null);
                Assert.True(hits.Count <= 5);
                Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
                await Store.CountAsync(c);
                searches++;
            }

            return searches;
        })).ToList();

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        var searched = await Task.WhenAll(readers);

        Assert.All(searched, n => Assert.True(n > 0));
        Assert.Equal(Writers * Batches * BatchSize, await Store.CountAsync(c));
        Assert.Equal(Batches * BatchSize, await Store.CountAsync(c, VectorFilter.Where("writer", "w2")));
    }

    /// <summary>A collection name unique to this test run (created with the store's prefix on shared servers).</summary>
    protected string Name(string suffix) => $"{_prefix}-{suffix}";

    /// <summary>Creates a fresh collection, deleted after the test.</summary>
    protected async Task<string> NewCollectionAsync(int dimensions)
    {
        Skip.If(SkipReason is not null, SkipReason);
        var c = Name(_collections.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _collections.Add(c);
        await Store.EnsureCollectionAsync(c, dimensions);
        return c;
    }

    internal static VectorPoint Point(string id, float[] vector, params (string Key, string Value)[] payload) =>
        new(id, vector, payload.ToDictionary(p => p.Key, p => p.Value));

    protected static float[] RandomVector(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return v;
    }

    protected static async Task AssertKind(VectorStoreErrorKind kind, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<VectorStoreException>(call);
        Assert.Equal(kind, e.Kind);
    }

    private static string[] Ids(IReadOnlyList<VectorSearchResult> hits) => [.. hits.Select(h => h.Id)];
}
