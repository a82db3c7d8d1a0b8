namespace ExpertRouter.Core.Jobs;

/// <summary>State of a job in the durable queue (stored lower-case).</summary>
public enum JobStatus
{
    /// <summary>Waiting to be claimed (possibly not before <see cref="JobRecord.RunAfter"/>).</summary>
    Queued,

    /// <summary>Claimed by a worker that holds a lease and heartbeats it.</summary>
    Running,

    Completed,

    Failed,

    Cancelled,
}
