using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Experts;

/// <summary>
/// A usable expert for the duration of a request: its chat client (and embedding generator when it
/// has one). For local experts the lease keeps the model loaded and marks it busy; dispose when the
/// request (including streaming) is done.
/// </summary>
public sealed class ExpertLease(
    ExpertDefinition expert,
    IChatClient chat,
    IEmbeddingGenerator<string, Embedding<float>>? embeddings,
    bool loadedForThisRequest,
    IDisposable? release) : IDisposable
{
    private IDisposable? _release = release;

    public ExpertDefinition Expert { get; } = expert;

    public IChatClient Chat { get; } = chat;

    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; } = embeddings;

    /// <summary>True when the request waited for the model to load.</summary>
    public bool LoadedForThisRequest { get; } = loadedForThisRequest;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Dispose();
}
