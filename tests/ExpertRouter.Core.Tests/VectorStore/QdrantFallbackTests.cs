using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ExpertRouter.Core.VectorStore;
using ExpertRouter.Testing;

namespace ExpertRouter.Core.Tests.VectorStore;

public sealed class QdrantFallbackTests : IDisposable
{
    private readonly TempDirectory _directory = new("vectors");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Qdrant_OnAClosedPort_IsUnavailable_Quickly()
    {
        // Refused at once, not after the (long) timeout; the bound leaves room for a loaded machine and first-use JIT.
        using var store = new QdrantVectorStore(new QdrantOptions { Url = ClosedPortUrl(), Timeout = TimeSpan.FromSeconds(30) });
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<VectorStoreException>(() => store.EnsureCollectionAsync("c", 3));

        Assert.Equal(VectorStoreErrorKind.Unavailable, e.Kind);
        Assert.Contains("unreachable", e.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Qdrant_ThatNeverAnswers_TimesOutAsUnavailable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var store = new QdrantVectorStore(new QdrantOptions { Url = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMilliseconds(300) });

        var e = await Assert.ThrowsAsync<VectorStoreException>(() => store.CountAsync("c"));

        Assert.Equal(VectorStoreErrorKind.Unavailable, e.Kind);
        Assert.Contains("did not answer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qdrant_WithAWrongApiKey_FailsWithoutFallingBack()
    {
        using var handler = new FakeQdrantHandler(apiKey: "right");
        using var http = new HttpClient(handler);
        await using var store = new FallbackVectorStore(
            new QdrantVectorStore(new QdrantOptions { Url = new Uri("http://qdrant.test:6333"), ApiKey = "wrong" }, http),
            () => new EmbeddedVectorStore());

        var e = await Assert.ThrowsAsync<VectorStoreException>(() => store.EnsureCollectionAsync("c", 3));

        Assert.Equal(VectorStoreErrorKind.Failed, e.Kind);
        Assert.Contains("API key", e.Message, StringComparison.Ordinal);
        Assert.False(store.IsUsingFallback);
    }

    [Fact]
    public async Task Factory_WithQdrantUnreachableAtStartUp_ServesFromTheEmbeddedIndex()
    {
        var options = new VectorStoreOptions
        {
            Provider = "Qdrant",
            Directory = _directory.Path,
            Qdrant = new QdrantOptions { Url = ClosedPortUrl(), Timeout = TimeSpan.FromSeconds(3) },
        };

        await using (var store = await VectorStoreFactory.CreateAsync(options))
        {
            Assert.StartsWith($"embedded ({_directory.Path}) (fallback: qdrant http://127.0.0.1:", store.Describe(), StringComparison.Ordinal);
            await store.EnsureCollectionAsync("pilots", 2);
            await store.UpsertAsync("pilots", [new VectorPoint("p", [1, 0], new Dictionary<string, string> { ["expert"] = "x" })]);
            var hit = Assert.Single(await store.SearchAsync("pilots", new float[] { 1, 0 }, 3, VectorFilter.Where("expert", "x")));
            Assert.Equal("p", hit.Id);
        }

        // The fallback persisted to the configured directory.
        await using var embedded = VectorStoreFactory.Create(new VectorStoreOptions { Directory = _directory.Path });
        Assert.Equal(1, await embedded.CountAsync("pilots"));
    }

    [Fact]
    public async Task Fallback_SwitchesWhenQdrantGoesDown_AndKeepsEnsuredCollections()
    {
        using var handler = new FakeQdrantHandler();
        using var http = new HttpClient(handler);
        var embedded = new EmbeddedVectorStore();
        await using var store = new FallbackVectorStore(
            new QdrantVectorStore(new QdrantOptions { Url = new Uri("http://qdrant.test:6333") }, http),
            () => embedded);

        await store.EnsureCollectionAsync("c", 2);
        await store.UpsertAsync("c", [new VectorPoint("in-qdrant", [1, 0])]);
        Assert.Equal(1, await store.CountAsync("c"));
        Assert.Equal("qdrant http://qdrant.test:6333/", store.Describe());

        handler.Down = true;
        Assert.Equal(0, await store.CountAsync("c")); // served by the (empty) embedded index
        Assert.True(store.IsUsingFallback);
        Assert.Contains("fallback: qdrant http://qdrant.test:6333/ unavailable", store.Describe(), StringComparison.Ordinal);

        await store.UpsertAsync("c", [new VectorPoint("local", [0, 1])]);
        Assert.Equal(["local"], (await store.ListAsync("c")).Select(p => p.Id));

        handler.Down = false; // no switching back until restart
        Assert.Equal(1, await store.CountAsync("c"));
    }

    [Fact]
    public async Task Fallback_SwitchesWhileScrolling_OnlyBeforeTheFirstPoint()
    {
        using var handler = new FakeQdrantHandler { Down = true };
        using var http = new HttpClient(handler);
        var embedded = new EmbeddedVectorStore();
        await embedded.EnsureCollectionAsync("c", 2);
        await embedded.UpsertAsync("c", [new VectorPoint("local", [0, 1])]);
        await using var store = new FallbackVectorStore(
            new QdrantVectorStore(new QdrantOptions { Url = new Uri("http://qdrant.test:6333") }, http),
            () => embedded);

        var listed = await store.ListAsync("c");

        Assert.Equal("local", Assert.Single(listed).Id);
    }

    [Fact]
    public void Factory_RefusesAnUnknownProvider_AndBuildsTheDefault()
    {
        Assert.Throws<ArgumentException>(() => VectorStoreFactory.Create(new VectorStoreOptions { Provider = "pinecone" }));
        using var store = (EmbeddedVectorStore)VectorStoreFactory.Create(new VectorStoreOptions());
        Assert.Equal("embedded (in memory)", store.Describe());
        using var qdrant = (QdrantVectorStore)VectorStoreFactory.Create(new VectorStoreOptions { Provider = "qdrant", FallbackToEmbedded = false });
        Assert.Equal("qdrant http://localhost:6333/", qdrant.Describe());
    }

    [Fact]
    public void PointIds_AreDeterministicUuids()
    {
        var a = QdrantVectorStore.PointIdFor("pilot-1");
        Assert.Equal(a, QdrantVectorStore.PointIdFor("pilot-1"));
        Assert.NotEqual(a, QdrantVectorStore.PointIdFor("pilot-2"));
        Assert.True(Guid.TryParse(a, out _));
        Assert.Equal('8', a[14]); // version 8
        Assert.Contains(a[19], "89ab");
    }

    private static Uri ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
