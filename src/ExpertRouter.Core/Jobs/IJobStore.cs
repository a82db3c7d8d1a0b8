namespace ExpertRouter.Core.Jobs;

/// <summary>
/// A durable job queue in the service's database, shared by every worker (in this process or in
/// others on the same database). A worker claims a job atomically and holds it by a lease that it
/// extends with heartbeats; a lease that expires (the worker died) lets any worker claim the job
/// again. Items of a job are checkpointed (first write wins) so a re-claimed job resumes without
/// redoing or duplicating finished items. Every write that a worker makes is conditional on still
/// owning the lease. Thread-safe.
/// </summary>
public interface IJobStore
{
    /// <summary>Adds a queued job; false when a job with that id exists already.</summary>
    Task<bool> EnqueueAsync(NewJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims the oldest claimable job of one of <paramref name="kinds"/>: queued and due, or running
    /// with an expired lease and attempts left. Sets it running with a lease for <paramref name="worker"/>
    /// and counts an attempt. Null when there is none.
    /// </summary>
    Task<JobRecord?> ClaimAsync(string worker, IReadOnlyCollection<string> kinds, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Extends the lease (and stores <paramref name="progress"/> when given); says whether the worker still owns the job and whether cancellation was requested.</summary>
    Task<JobHeartbeat> HeartbeatAsync(string jobId, string worker, TimeSpan lease, string? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Stores progress JSON; says, like a heartbeat, whether the worker still owns the job and whether cancellation was requested.</summary>
    Task<JobHeartbeat> UpdateProgressAsync(string jobId, string worker, string progress, CancellationToken cancellationToken = default);

    /// <summary>Ends the job (completed, failed or cancelled); false when the worker no longer owns it.</summary>
    Task<bool> FinishAsync(string jobId, string worker, JobStatus status, string? errorMessage, string? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the job back to the queue, claimable from <paramref name="runAfter"/> (retry back-off, or now
    /// after a graceful shutdown, when <paramref name="countAttempt"/> is false and the attempt is returned).
    /// False when the worker no longer owns it.
    /// </summary>
    Task<bool> ReleaseAsync(string jobId, string worker, DateTimeOffset runAfter, string? errorMessage, bool countAttempt, CancellationToken cancellationToken = default);

    /// <summary>Flags a queued or running job for cancellation; false when it does not exist or has finished.</summary>
    Task<bool> RequestCancelAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Puts a finished job back in the queue (attempts reset, cancellation cleared); false when it is not finished.</summary>
    Task<bool> RequeueAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Fails running jobs whose lease expired and that have no attempts left; returns their ids.</summary>
    Task<IReadOnlyList<string>> FailAbandonedAsync(CancellationToken cancellationToken = default);

    Task<JobRecord?> GetAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Jobs, newest first.</summary>
    Task<IReadOnlyList<JobRecord>> ListAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts the start of an item's computation; returns how many times it has been started, this one included.</summary>
    Task<int> BeginItemAsync(string jobId, long item, string worker, CancellationToken cancellationToken = default);

    /// <summary>Stores an item's result unless one is stored already (first write wins), and drops the item's parts; true when this call stored it.</summary>
    Task<bool> SaveCheckpointAsync(JobCheckpoint checkpoint, CancellationToken cancellationToken = default);

    /// <summary>The job's checkpoints in item order.</summary>
    Task<IReadOnlyList<JobCheckpoint>> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes checkpoints (only the failed ones when <paramref name="failedOnly"/>), so those items run again; returns how many.
    /// Deleting them all also deletes every part (a full re-run); failed items keep their parts.
    /// </summary>
    Task<int> DeleteCheckpointsAsync(string jobId, bool failedOnly, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a finished part of an item unless that part is stored already (first write wins) or the item is finished
    /// (a late worker leaves nothing behind); true when this call stored it.
    /// </summary>
    Task<bool> SavePartialAsync(JobPartial part, CancellationToken cancellationToken = default);

    /// <summary>The job's stored parts (of items not finished yet), in item and part order.</summary>
    Task<IReadOnlyList<JobPartial>> GetPartialsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Per item: computations started, parts stored and the checkpoint, in item order.</summary>
    Task<IReadOnlyList<JobItemState>> GetItemsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>The job's history, oldest first.</summary>
    Task<IReadOnlyList<JobEvent>> GetEventsAsync(string jobId, CancellationToken cancellationToken = default);
}
