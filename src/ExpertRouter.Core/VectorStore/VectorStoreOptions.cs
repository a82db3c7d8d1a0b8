namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// Which vector store <see cref="VectorStoreFactory"/> builds. Bind it from configuration, e.g.
/// <c>ExpertRouter:VectorStore</c> with <c>Provider</c>, <c>Directory</c>, <c>Qdrant:Url</c>, <c>Qdrant:ApiKey</c>.
/// </summary>
public sealed record VectorStoreOptions
{
    /// <summary>The in-process index (<see cref="EmbeddedVectorStore"/>).</summary>
    public const string EmbeddedProvider = "embedded";

    /// <summary>A Qdrant server (<see cref="QdrantVectorStore"/>).</summary>
    public const string QdrantProvider = "qdrant";

    /// <summary><see cref="EmbeddedProvider"/> (default) or <see cref="QdrantProvider"/>, case-insensitive.</summary>
    public string Provider { get; init; } = EmbeddedProvider;

    /// <summary>Where the embedded index keeps its files (e.g. <c>data/vectors</c>); null keeps it in memory only.</summary>
    public string? Directory { get; init; }

    /// <summary>How long the embedded index waits after a change before writing (see <see cref="EmbeddedVectorStoreOptions.FlushDelay"/>).</summary>
    public TimeSpan FlushDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The Qdrant connection, used when <see cref="Provider"/> is <see cref="QdrantProvider"/>.</summary>
    public QdrantOptions Qdrant { get; init; } = new();

    /// <summary>With Qdrant: serve from the embedded index (in <see cref="Directory"/>) when Qdrant is unreachable.</summary>
    public bool FallbackToEmbedded { get; init; } = true;
}
