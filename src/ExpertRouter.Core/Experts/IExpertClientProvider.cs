namespace ExpertRouter.Core.Experts;

/// <summary>
/// Gives routers and endpoints a usable expert by id, loading local models on demand within the
/// memory budget. Thread-safe.
/// </summary>
public interface IExpertClientProvider
{
    /// <summary>Leases the expert; <paramref name="progress"/> hears "loading ..." / "waiting for memory ..." while a local model is made resident.</summary>
    /// <exception cref="ExpertNotFoundException">No expert with that id.</exception>
    Task<ExpertLease> AcquireAsync(string expertId, IProgress<string>? progress = null, CancellationToken cancellationToken = default);
}
