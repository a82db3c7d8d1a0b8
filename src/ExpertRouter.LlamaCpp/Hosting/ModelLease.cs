namespace ExpertRouter.LlamaCpp.Hosting;

/// <summary>
/// The right to use a loaded model: while any lease is open the model is busy and is never evicted.
/// Dispose exactly once when the request is done (including streaming).
/// </summary>
public sealed class ModelLease : IDisposable
{
    private readonly Action _release;
    private int _disposed;

    internal ModelLease(string key, LlamaModel model, bool loadedForThisRequest, Action release)
    {
        Key = key;
        Model = model;
        LoadedForThisRequest = loadedForThisRequest;
        _release = release;
    }

    public string Key { get; }

    public LlamaModel Model { get; }

    /// <summary>True when this request had to wait for the model to load.</summary>
    public bool LoadedForThisRequest { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _release();
        }
    }
}
