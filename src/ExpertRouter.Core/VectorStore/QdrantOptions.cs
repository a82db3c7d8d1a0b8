namespace ExpertRouter.Core.VectorStore;

/// <summary>Settings of <see cref="QdrantVectorStore"/>.</summary>
public sealed record QdrantOptions
{
    /// <summary>The REST endpoint (port 6333 by default), http or https.</summary>
    public Uri Url { get; init; } = new("http://localhost:6333");

    /// <summary>Sent as the <c>api-key</c> header when set.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Limit for each HTTP request, connecting included; past it the call fails with <see cref="VectorStoreErrorKind.Unavailable"/>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Prepended to every collection name on the Qdrant side (e.g. "expertrouter_"), so that several services can share one Qdrant.</summary>
    public string CollectionPrefix { get; init; } = "";

    /// <summary>Points per upsert request.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Ask Qdrant for exact (full scan) search instead of its approximate HNSW index, as the contract promises.</summary>
    public bool ExactSearch { get; init; } = true;
}
