namespace ExpertRouter.Core.VectorStore;

/// <summary>Settings of <see cref="EmbeddedVectorStore"/>.</summary>
public sealed record EmbeddedVectorStoreOptions
{
    /// <summary>
    /// The directory holding one <c>{collection}.vec</c> file per collection (created if missing); null keeps
    /// everything in memory only.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>
    /// How long after a change the changed collections are written (changes within the window are written
    /// together); zero or negative writes the file within every changing call. Disposing the store writes what is
    /// still pending.
    /// </summary>
    public TimeSpan FlushDelay { get; init; } = TimeSpan.FromMilliseconds(250);
}
