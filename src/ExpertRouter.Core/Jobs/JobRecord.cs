namespace ExpertRouter.Core.Jobs;

/// <summary>A job as stored in the <c>jobs</c> table.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    /// <summary>What executes it (a handler per kind: <c>batch</c>, <c>profiling</c>).</summary>
    public required string Kind { get; init; }

    /// <summary>JSON given at enqueue time.</summary>
    public string Payload { get; init; } = "{}";

    public JobStatus Status { get; init; }

    /// <summary>Claims so far (a claim after a crash counts; a graceful shutdown gives its attempt back).</summary>
    public int Attempts { get; init; }

    public int MaxAttempts { get; init; } = NewJob.DefaultMaxAttempts;

    /// <summary>The worker holding the lease (machine:pid:guid) while running; the last holder afterwards.</summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    public DateTimeOffset? HeartbeatAt { get; init; }

    /// <summary>A user asked to cancel; the worker sees it at its next heartbeat.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>Progress as JSON written by the running handler; null before the first report.</summary>
    public string? Progress { get; init; }

    public string? Error { get; init; }

    /// <summary>Not claimed before this time (retry back-off).</summary>
    public DateTimeOffset RunAfter { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;
}
