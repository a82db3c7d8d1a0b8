using System.Text.Json;
using ExpertRouter.Core.Jobs;
using ExpertRouter.Core.Profiling;

namespace ExpertRouter.Api.Jobs;

/// <summary>
/// Profiling runs as jobs of kind <c>profiling</c> (job id = run id). The runner resumes from its
/// per-item checkpoints, so a run taken over after a crash or restart redoes nothing finished.
/// The job's progress mirrors the run's.
/// </summary>
public sealed class ProfilingJobHandler(ProfilingRunner runner, IProfilingStore store) : IJobHandler
{
    public const string JobKind = "profiling";
    private static readonly TimeSpan MirrorInterval = TimeSpan.FromSeconds(1);

    public string Kind => JobKind;

    public async Task<JobOutcome> ExecuteAsync(JobContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var runId = context.Job.Id;
        var run = await store.GetRunAsync(runId, context.Token).ConfigureAwait(false);
        if (run is null)
        {
            return JobOutcome.Failed($"Profiling run '{runId}' does not exist.");
        }

        if (context.IsCancelledByUser || run.Status == ProfilingStatus.Cancelled)
        {
            return JobOutcome.Cancelled("the profiling run was cancelled");
        }

        if (run.Status is ProfilingStatus.Completed or ProfilingStatus.Failed)
        {
            return Outcome(run);
        }

        using var mirrorStop = CancellationTokenSource.CreateLinkedTokenSource(context.Token);
        var mirror = MirrorAsync(context, runId, mirrorStop.Token);
        try
        {
            await runner.RunAsync(runId, context.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.IsCancelledByUser)
        {
            // cancelled by the user: recorded below
        }
        finally
        {
            await mirrorStop.CancelAsync().ConfigureAwait(false);
            await mirror.ConfigureAwait(false);
        }

        var ended = await store.GetRunAsync(runId, CancellationToken.None).ConfigureAwait(false);
        if (context.IsCancelledByUser && ended is not null && ended.Status is ProfilingStatus.Queued or ProfilingStatus.Running)
        {
            // The runner may have marked the run running after the cancellation marked it cancelled.
            ended = ended with { Status = ProfilingStatus.Cancelled, Progress = ended.Progress with { Message = "cancelled" } };
            await store.UpdateRunAsync(ended, CancellationToken.None).ConfigureAwait(false);
        }

        if (ended is not null)
        {
            context.ReportProgress(new { profilingRun = runId, status = ended.Status, progress = ended.Progress });
        }

        if (ended?.Status == ProfilingStatus.Cancelled || context.IsCancelledByUser)
        {
            return JobOutcome.Cancelled("the profiling run was cancelled");
        }

        // Shutdown or lost lease while the run was still going: the worker gives the job back.
        context.Token.ThrowIfCancellationRequested();
        return ended is null ? JobOutcome.Failed("the profiling run disappeared") : Outcome(ended);
    }

    public async Task OnCancelRequestedAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var run = await store.GetRunAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (run is not null && run.Status is ProfilingStatus.Queued or ProfilingStatus.Running)
        {
            await store.UpdateRunAsync(run with { Status = ProfilingStatus.Cancelled, Progress = run.Progress with { Message = "cancelled" } }, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task OnRequeuedAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var run = await store.GetRunAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (run is not null && run.Status is ProfilingStatus.Failed or ProfilingStatus.Cancelled)
        {
            await store.UpdateRunAsync(run with { Status = ProfilingStatus.Queued, Error = null, Progress = run.Progress with { Message = "queued again" } }, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task OnFailedAsync(JobRecord job, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var run = await store.GetRunAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (run is not null && run.Status is ProfilingStatus.Queued or ProfilingStatus.Running)
        {
            await store.UpdateRunAsync(run with { Status = ProfilingStatus.Failed, Error = reason, Progress = run.Progress with { Message = "failed: " + reason } }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The job payload of a profiling run.</summary>
    public static string Payload(string runId) => JsonSerializer.Serialize(new { runId });

    private static JobOutcome Outcome(ProfilingRun run) => run.Status == ProfilingStatus.Completed
        ? JobOutcome.Completed
        : JobOutcome.Failed(run.Error ?? "the profiling run failed");

    private async Task MirrorAsync(JobContext context, string runId, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(MirrorInterval, ct).ConfigureAwait(false);
                if (await store.GetRunAsync(runId, ct).ConfigureAwait(false) is { } run)
                {
                    context.ReportProgress(new { profilingRun = runId, status = run.Status, progress = run.Progress });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
