using ExpertRouter.Core.Jobs;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Jobs;

/// <summary>
/// The job queue as the rest of the service uses it: enqueue (waking this process's workers),
/// cancel and retry (telling the job's handler so it updates its own records, e.g. the batch object).
/// </summary>
public sealed class JobService(IJobStore store, IEnumerable<IJobHandler> handlers, JobSignal signal, RunningJobs running, IOptions<JobOptions> options)
{
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);

    public IJobStore Store => store;

    /// <summary>The kinds that have a handler in this process.</summary>
    public IReadOnlyCollection<string> Kinds => _handlers.Keys;

    public IJobHandler? HandlerFor(string kind) => _handlers.GetValueOrDefault(kind);

    /// <summary>A new job with the configured attempt limit.</summary>
    public NewJob Create(string id, string kind, string payload) => new(id, kind, payload, options.Value.MaxAttempts);

    /// <summary>Enqueues a job; false when its id exists.</summary>
    public async Task<bool> EnqueueAsync(NewJob job, CancellationToken cancellationToken)
    {
        var added = await store.EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        if (added)
        {
            signal.Notify();
        }

        return added;
    }

    /// <summary>Wakes this process's idle workers (after a job was enqueued by other means, e.g. with its batch).</summary>
    public void Notify() => signal.Notify();

    /// <summary>Asks a queued or running job to stop; its handler records the cancellation.</summary>
    public async Task<JobActionResult> CancelAsync(string id, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return new JobActionResult(null, true, null);
        }

        if (!await store.RequestCancelAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return new JobActionResult(job, false, $"Job '{id}' has already ended ({job.Status.ToString().ToLowerInvariant()}).");
        }

        if (HandlerFor(job.Kind) is { } handler)
        {
            await handler.OnCancelRequestedAsync(job, cancellationToken).ConfigureAwait(false);
        }

        running.TryCancel(id); // running here: stops at once (elsewhere: at that worker's next heartbeat or progress write)
        signal.Notify(); // a queued job is picked up and ended as cancelled at once
        return new JobActionResult(await store.GetAsync(id, cancellationToken).ConfigureAwait(false), false, null);
    }

    /// <summary>
    /// Puts a finished job back in the queue. Its checkpoints are kept, so finished items are not redone;
    /// with <paramref name="failedItemsOnly"/> the failed items' checkpoints are dropped first so exactly those run again.
    /// </summary>
    public async Task<JobActionResult> RetryAsync(string id, bool failedItemsOnly, CancellationToken cancellationToken)
    {
        var job = await store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return new JobActionResult(null, true, null);
        }

        if (!job.IsFinished)
        {
            return new JobActionResult(job, false, $"Job '{id}' is {job.Status.ToString().ToLowerInvariant()}; only a finished job can be retried.");
        }

        if (failedItemsOnly)
        {
            await store.DeleteCheckpointsAsync(id, failedOnly: true, cancellationToken).ConfigureAwait(false);
        }

        // The handler resets its own records first, so a worker claiming the requeued job finds them ready.
        if (HandlerFor(job.Kind) is { } handler)
        {
            await handler.OnRequeuedAsync(job, cancellationToken).ConfigureAwait(false);
        }

        if (!await store.RequeueAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return new JobActionResult(job, false, $"Job '{id}' changed meanwhile; try again.");
        }

        signal.Notify();
        return new JobActionResult(await store.GetAsync(id, cancellationToken).ConfigureAwait(false), false, null);
    }
}
