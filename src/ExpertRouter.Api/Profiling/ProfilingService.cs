using System.Threading.Channels;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Profiling;

namespace ExpertRouter.Api.Profiling;

/// <summary>
/// Runs profiling runs in the background, one at a time (each run already keeps every model busy).
/// Runs left queued or running by a previous process are resumed at start-up; per-item checkpoints
/// mean nothing finished is recomputed.
/// </summary>
public sealed partial class ProfilingService(IProfilingStore store, IExpertStore registry, ProfilingRunner runner, ILogger<ProfilingService> logger) : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly Lock _gate = new();
    private (string RunId, CancellationTokenSource Cts)? _current;

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
        await _queue.Writer.WriteAsync(run.Id, cancellationToken).ConfigureAwait(false);
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

        await store.UpdateRunAsync(run with { Status = ProfilingStatus.Cancelled, Progress = run.Progress with { Message = "cancelled" } }, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_current is { } c && c.RunId == runId)
            {
                c.Cts.Cancel();
            }
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // never block host start-up
        try
        {
            await ResumeAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogResumeFailed(logger, e);
        }

        await foreach (var runId in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            await ExecuteRunAsync(runId, stoppingToken).ConfigureAwait(false);
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task ResumeAsync(CancellationToken stoppingToken)
    {
        foreach (var run in await store.ListRunsAsync(stoppingToken).ConfigureAwait(false))
        {
            if (run.Status is ProfilingStatus.Queued or ProfilingStatus.Running)
            {
                LogResuming(logger, run.Id, run.Status);
                await _queue.Writer.WriteAsync(run.Id, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ExecuteRunAsync(string runId, CancellationToken stoppingToken)
    {
        try
        {
            var run = await store.GetRunAsync(runId, stoppingToken).ConfigureAwait(false);
            if (run is null || run.Status is not (ProfilingStatus.Queued or ProfilingStatus.Running))
            {
                return;
            }

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            lock (_gate)
            {
                _current = (runId, cts);
            }

            try
            {
                await runner.RunAsync(runId, cts.Token).ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    _current = null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutdown: the run stays Running and resumes at the next start
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCrashed(logger, runId, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming profiling run {RunId} ({Status} when the service stopped)")]
    private static partial void LogResuming(ILogger logger, string runId, ProfilingStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not look for profiling runs to resume")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Profiling run {RunId} stopped unexpectedly")]
    private static partial void LogCrashed(ILogger logger, string runId, Exception exception);
}
