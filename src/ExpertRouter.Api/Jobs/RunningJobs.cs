using System.Collections.Concurrent;

namespace ExpertRouter.Api.Jobs;

/// <summary>The jobs running in this process and how to cancel each: a cancel request for one of them takes effect at once (other processes see it at their next heartbeat or progress write).</summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<string, Action> _cancel = new(StringComparer.Ordinal);

    internal void Add(string jobId, Action cancel) => _cancel[jobId] = cancel;

    internal void Remove(string jobId) => _cancel.TryRemove(jobId, out _);

    /// <summary>Cancels the job if it runs here; false otherwise.</summary>
    public bool TryCancel(string jobId)
    {
        if (!_cancel.TryGetValue(jobId, out var cancel))
        {
            return false;
        }

        cancel();
        return true;
    }
}
