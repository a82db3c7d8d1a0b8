using ExpertRouter.Api.Jobs;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Profiling;

namespace ExpertRouter.Api.Profiling;

/// <summary>
/// Starts and cancels profiling runs. A run is executed as a job of the durable queue (kind
/// <c>profiling</c>, job id = run id, see <see cref="ProfilingJobHandler"/>), so it survives restarts
/// and crashes (the job is taken over when its lease expires) and can run on any worker instance
/// sharing the database; per-item checkpoints mean nothing finished is recomputed. At start-up, runs
/// left queued or running by an older version (before the job queue existed) are enqueued.
/// </summary>
public sealed partial class ProfilingService(IProfilingStore store, IExpertStore registry, JobService jobs, ILogger<ProfilingService> logger) : BackgroundService
{
    /// <summary>Validates and queues a run; throws <see cref="ProfilingException"/> for bad input.</summary>
    public async Task<ProfilingRun> StartAsync(string validationSetId, string profileId, ProfilingSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = settings.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ProfilingException("Invalid settings: " + string.Join(" ", problems));
        }

        if (string.IsNullOrWhiteSpace(profileId) || profileId.Length > 128 || profileId.Any(char.IsControl))
        {
            throw new ProfilingException("'profileId' must be 1-128 printable characters.");
        }

        var set = await store.GetValidationSetAsync(validationSetId, cancellationToken).ConfigureAwait(false)
            ?? throw new ProfilingException($"Validation set '{validationSetId}' does not exist.");
        if (set.ItemCount == 0)
        {
            throw new ProfilingException($"Validation set '{validationSetId}' is empty.");
        }

        var registered = (await registry.ListAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Id).ToHashSet();
        var unknown = settings.Experts.Concat(settings.AggregatorCandidates).Append(settings.KeywordModel).OfType<string>().Where(id => !registered.Contains(id)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new ProfilingException($"Unknown expert(s): {string.Join(", ", unknown)}.");
        }

        if (registered.Count == 0)
        {
            throw new ProfilingException("There are no experts to profile.");
        }

        var run = new ProfilingRun
        {
            Id = "run-" + Guid.NewGuid().ToString("N")[..12],
            ValidationSetId = validationSetId,
            ProfileId = profileId,
            Settings = settings,
            Progress = new ProfilingProgress { Items = set.ItemCount, Message = "queued" },
        };
        await store.CreateRunAsync(run, cancellationToken).ConfigureAwait(false);
        await jobs.EnqueueAsync(jobs.Create(run.Id, ProfilingJobHandler.JobKind, ProfilingJobHandler.Payload(run.Id)), cancellationToken).ConfigureAwait(false);
        return await store.GetRunAsync(run.Id, cancellationToken).ConfigureAwait(false) ?? run;
    }

    /// <summary>Cancels a queued or running run; false when it already ended.</summary>
    public async Task<bool> CancelAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null || run.Status is ProfilingStatus.Completed or ProfilingStatus.Failed or ProfilingStatus.Cancelled)
        {
            return false;
        }

        // Marks the run cancelled first, so a runner stopping on the cancellation sees why.
        await store.UpdateRunAsync(run with { Status = ProfilingStatus.Cancelled, Progress = run.Progress with { Message = "cancelled" } }, cancellationToken).ConfigureAwait(false);
        await jobs.CancelAsync(runId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // never block host start-up
        try
        {
            foreach (var run in await store.ListRunsAsync(stoppingToken).ConfigureAwait(false))
            {
                if (run.Status is ProfilingStatus.Queued or ProfilingStatus.Running
                    && await jobs.EnqueueAsync(jobs.Create(run.Id, ProfilingJobHandler.JobKind, ProfilingJobHandler.Payload(run.Id)), stoppingToken).ConfigureAwait(false))
                {
                    LogEnqueuedOrphan(logger, run.Id, run.Status);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogResumeFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Profiling run {RunId} ({Status}) had no job yet; enqueued it to resume")]
    private static partial void LogEnqueuedOrphan(ILogger logger, string runId, ProfilingStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not look for profiling runs to resume")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception);
}
