using System.Globalization;
using ExpertRouter.Core.Jobs;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Jobs;

/// <summary>
/// Runs jobs from the durable queue: <see cref="JobOptions.Concurrency"/> slots each claim a job,
/// execute it with its kind's handler while a heartbeat extends the lease (and carries progress and
/// cancellation), then finish, retry with back-off, or, on shutdown, give it back unharmed. A sweeper
/// fails jobs whose workers kept dying. The worker id is machine:pid:guid, unique per process start,
/// so after a crash the restarted process is a different worker that takes over once the lease expires.
/// </summary>
public sealed partial class JobWorker(
    JobService jobs,
    JobSignal signal,
    RunningJobs running,
    IOptions<JobOptions> options,
    TimeProvider time,
    ILogger<JobWorker> logger) : BackgroundService
{
    private readonly JobOptions _options = options.Value;

    /// <summary>This process's worker id, the lease owner of the jobs it runs.</summary>
    public string WorkerId { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // never block host start-up
        if (_options.Concurrency == 0 || jobs.Kinds.Count == 0)
        {
            return;
        }

        var kinds = string.Join(", ", jobs.Kinds);
        LogStarted(logger, WorkerId, _options.Concurrency, kinds);
        var loops = Enumerable.Range(0, _options.Concurrency).Select(_ => SlotAsync(stoppingToken)).Append(SweepAsync(stoppingToken));
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private async Task SlotAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = signal.Next; // taken before looking, so an enqueue meanwhile is not missed
            JobRecord? job;
            try
            {
                job = await jobs.Store.ClaimAsync(WorkerId, jobs.Kinds, _options.LeaseDuration, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogClaimFailed(logger, e);
                job = null;
            }

            if (job is null)
            {
                try
                {
                    await wake.WaitAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            await RunAsync(job, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(JobRecord job, CancellationToken stoppingToken)
    {
        var handler = jobs.HandlerFor(job.Kind)!;
        using var userCancel = new CancellationTokenSource();
        using var lost = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(userCancel.Token, lost.Token, stoppingToken);
        using var heartbeatStop = new CancellationTokenSource();
        if (job.CancelRequested)
        {
            await userCancel.CancelAsync().ConfigureAwait(false);
        }

        LogClaimed(logger, job.Id, job.Kind, job.Attempts, job.MaxAttempts);
        var context = new JobContext(job, WorkerId, jobs.Store, () => Cancel(userCancel), () => Cancel(lost), linked.Token, userCancel.Token);
        running.Add(job.Id, () => Cancel(userCancel));
        var heartbeat = HeartbeatAsync(job, context, userCancel, lost, heartbeatStop.Token);
        JobOutcome? outcome = null;
        Exception? failure = null;
        try
        {
            outcome = await handler.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested || stoppingToken.IsCancellationRequested)
        {
            // lost the lease, or shutting down: handled below
        }
        catch (OperationCanceledException) when (userCancel.IsCancellationRequested)
        {
            outcome = JobOutcome.Cancelled("cancelled by request");
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            running.Remove(job.Id);
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }

        if (lost.IsCancellationRequested)
        {
            LogLeaseLost(logger, job.Id);
            return;
        }

        // The job's final writes must happen even while the host stops.
        var ct = CancellationToken.None;
        try
        {
            if (outcome is null && failure is null)
            {
                await jobs.Store.ReleaseAsync(job.Id, WorkerId, time.GetUtcNow(), null, countAttempt: false, ct).ConfigureAwait(false);
                LogReleased(logger, job.Id);
            }
            else if (failure is not null)
            {
                await FailOrRetryAsync(job, handler, context, failure, ct).ConfigureAwait(false);
            }
            else
            {
                await jobs.Store.FinishAsync(job.Id, WorkerId, outcome!.Status, outcome.Error, context.ProgressJson, ct).ConfigureAwait(false);
                LogFinished(logger, job.Id, outcome.Status, outcome.Error ?? "");
            }
        }
        catch (Exception e)
        {
            // The lease runs out and another worker (or this one) takes the job over.
            LogFinishFailed(logger, job.Id, e);
        }
    }

    private async Task FailOrRetryAsync(JobRecord job, IJobHandler handler, JobContext context, Exception failure, CancellationToken ct)
    {
        if (job.Attempts < job.MaxAttempts)
        {
            var delay = TimeSpan.FromTicks(Math.Min(_options.RetryBackoff.Ticks * (1L << Math.Min(job.Attempts - 1, 16)), TimeSpan.FromMinutes(30).Ticks));
            await jobs.Store.ReleaseAsync(job.Id, WorkerId, time.GetUtcNow() + delay, failure.Message, countAttempt: true, ct).ConfigureAwait(false);
            LogRetry(logger, job.Id, job.Attempts, job.MaxAttempts, delay.TotalSeconds, failure);
            return;
        }

        if (await jobs.Store.FinishAsync(job.Id, WorkerId, JobStatus.Failed, failure.Message, context.ProgressJson, ct).ConfigureAwait(false))
        {
            LogGaveUp(logger, job.Id, job.Attempts, failure);
            await handler.OnFailedAsync(job, failure.Message, ct).ConfigureAwait(false);
        }
    }

    private async Task HeartbeatAsync(JobRecord job, JobContext context, CancellationTokenSource userCancel, CancellationTokenSource lost, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.EffectiveHeartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    // Not cancelled half-way when the job ends: the progress it carries is then already taken.
                    var beat = await jobs.Store.HeartbeatAsync(job.Id, WorkerId, _options.LeaseDuration, context.TakePendingProgress(), CancellationToken.None).ConfigureAwait(false);
                    if (!beat.Owned)
                    {
                        await lost.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    if (beat.CancelRequested && !userCancel.IsCancellationRequested)
                    {
                        LogCancelSeen(logger, job.Id);
                        await userCancel.CancelAsync().ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    LogHeartbeatFailed(logger, job.Id, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the job already ended
        }
    }

    /// <summary>Fails the jobs whose workers died too often (lease expired, no attempts left) and tells their handlers.</summary>
    private async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.LeaseDuration, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    foreach (var id in await jobs.Store.FailAbandonedAsync(stoppingToken).ConfigureAwait(false))
                    {
                        var job = await jobs.Store.GetAsync(id, stoppingToken).ConfigureAwait(false);
                        if (job is not null && jobs.HandlerFor(job.Kind) is { } handler)
                        {
                            await handler.OnFailedAsync(job, job.Error ?? "abandoned", stoppingToken).ConfigureAwait(false);
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job worker {Worker} started: {Concurrency} slot(s) for {Kinds}")]
    private static partial void LogStarted(ILogger logger, string worker, int concurrency, string kinds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) claimed, attempt {Attempt} of {MaxAttempts}")]
    private static partial void LogClaimed(ILogger logger, string jobId, string kind, int attempt, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} finished: {Status} {Error}")]
    private static partial void LogFinished(ILogger logger, string jobId, JobStatus status, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} given back to the queue (shutdown); another start or worker resumes it")]
    private static partial void LogReleased(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the lease was taken over by another worker; this worker stopped working on it")]
    private static partial void LogLeaseLost(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: cancellation requested")]
    private static partial void LogCancelSeen(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} failed on attempt {Attempt} of {MaxAttempts}; retrying in {DelaySeconds:F0} s")]
    private static partial void LogRetry(ILogger logger, string jobId, int attempt, int maxAttempts, double delaySeconds, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed for good after {Attempts} attempt(s)")]
    private static partial void LogGaveUp(ILogger logger, string jobId, int attempts, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: heartbeat failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string jobId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not claim a job")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: could not record how it ended; its lease will expire and it will be resumed")]
    private static partial void LogFinishFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not sweep abandoned jobs")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
