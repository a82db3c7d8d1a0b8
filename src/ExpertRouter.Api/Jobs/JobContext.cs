using System.Text.Json;
using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Api.Jobs;

/// <summary>
/// What a handler gets for one execution of a job: the job, the worker's id, the store (for item
/// checkpoints), cancellation, and progress reporting (written with the heartbeats, or at once with
/// <see cref="FlushProgressAsync"/>).
/// </summary>
public sealed class JobContext
{
    private static readonly JsonSerializerOptions ProgressOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly CancellationToken _userCancelled;
    private readonly Action _cancel;
    private readonly Action _lost;
    private string? _pending;
    private string? _latest;

    internal JobContext(JobRecord job, string worker, IJobStore store, Action cancel, Action lost, CancellationToken token, CancellationToken userCancelled)
    {
        _cancel = cancel;
        _lost = lost;
        Job = job;
        Worker = worker;
        Store = store;
        Token = token;
        _userCancelled = userCancelled;
        _latest = job.Progress;
    }

    public JobRecord Job { get; }

    /// <summary>This worker's id (machine:pid:guid), the lease owner.</summary>
    public string Worker { get; }

    public IJobStore Store { get; }

    /// <summary>Cancelled when the user cancels the job, the service shuts down, or the lease is lost.</summary>
    public CancellationToken Token { get; }

    /// <summary>True when the cancellation comes from the user (end as cancelled) rather than a shutdown.</summary>
    public bool IsCancelledByUser => _userCancelled.IsCancellationRequested;

    /// <summary>The latest progress as JSON (null before the first report); written when the job ends.</summary>
    public string? ProgressJson => _latest;

    /// <summary>Replaces the job's progress (serialised now, written at the next heartbeat or flush).</summary>
    public void ReportProgress(object progress)
    {
        var json = JsonSerializer.Serialize(progress, progress.GetType(), ProgressOptions);
        Volatile.Write(ref _latest, json);
        Volatile.Write(ref _pending, json);
    }

    /// <summary>
    /// Writes the latest progress now; false when the lease was lost. Like a heartbeat, it notices a
    /// cancellation requested from any process (and then cancels <see cref="Token"/>).
    /// </summary>
    public async Task<bool> FlushProgressAsync(CancellationToken cancellationToken)
    {
        var json = TakePendingProgress();
        if (json is null)
        {
            return true;
        }

        var state = await Store.UpdateProgressAsync(Job.Id, Worker, json, cancellationToken).ConfigureAwait(false);
        if (!state.Owned)
        {
            _lost();
        }
        else if (state.CancelRequested)
        {
            _cancel();
        }

        return state.Owned;
    }

    internal string? TakePendingProgress() => Interlocked.Exchange(ref _pending, null);
}
