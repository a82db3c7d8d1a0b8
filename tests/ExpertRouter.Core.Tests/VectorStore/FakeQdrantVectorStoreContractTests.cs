using ExpertRouter.Core.VectorStore;

namespace ExpertRouter.Core.Tests.VectorStore;

/// <summary>
/// The contract, against <see cref="QdrantVectorStore"/> talking to <see cref="FakeQdrantHandler"/>: exercises
/// the REST mapping (ids, payloads, filters, paging, errors) where no Qdrant server is available.
/// </summary>
public sealed class FakeQdrantVectorStoreContractTests : VectorStoreContractTests, IDisposable
{
    private readonly FakeQdrantHandler _handler = new(apiKey: "secret");
    private readonly HttpClient _http;

    public FakeQdrantVectorStoreContractTests() => _http = new HttpClient(_handler);

    protected override string? SkipReason => null;

    protected override IVectorStore CreateStore() => new QdrantVectorStore(
        new QdrantOptions { Url = new Uri("http://qdrant.test:6333"), ApiKey = "secret", CollectionPrefix = "er_", BatchSize = 100 },
        _http);

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }
}
