namespace ExpertRouter.Core.Jobs;

/// <summary>One entry of a job's history (enqueued, claimed, released, retry scheduled, completed, ...).</summary>
public sealed record JobEvent(long Sequence, string JobId, DateTimeOffset At, string Event, string? Worker, string? Detail);
