using ExpertRouter.Core.VectorStore;
using ExpertRouter.Testing;

namespace ExpertRouter.Core.Tests.VectorStore;

/// <summary>The contract, against the embedded index persisting to a temporary directory.</summary>
public sealed class EmbeddedVectorStoreContractTests : VectorStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new("vectors");

    protected override string? SkipReason => null;

    protected override IVectorStore CreateStore() =>
        new EmbeddedVectorStore(new EmbeddedVectorStoreOptions { Directory = _directory.Path, FlushDelay = TimeSpan.FromMilliseconds(20) });

    public void Dispose() => _directory.Dispose();
}
