using ExpertRouter.Core.VectorStore;

namespace ExpertRouter.Core.Tests.VectorStore;

/// <summary>
/// The contract, against a real Qdrant named by the environment variable QDRANT_URL (optional QDRANT_API_KEY);
/// skipped with a visible reason otherwise. Collections are prefixed "ertest_" and deleted after each test.
/// </summary>
public sealed class QdrantVectorStoreContractTests : VectorStoreContractTests
{
    private static readonly string? Url = Environment.GetEnvironmentVariable("QDRANT_URL");

    protected override string? SkipReason =>
        string.IsNullOrWhiteSpace(Url) ? "QDRANT_URL not set: Qdrant contract tests skipped" : null;

    protected override IVectorStore CreateStore() => new QdrantVectorStore(new QdrantOptions
    {
        Url = new Uri(Url!),
        ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
        CollectionPrefix = "ertest_",
        BatchSize = 128,
        Timeout = TimeSpan.FromSeconds(30),
    });
}
