using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Api.Jobs;

/// <summary>How a handler ended a job: completed, failed (with the reason) or cancelled.</summary>
public sealed record JobOutcome(JobStatus Status, string? Error = null)
{
    public static JobOutcome Completed { get; } = new(JobStatus.Completed);

    public static JobOutcome Cancelled(string? reason = null) => new(JobStatus.Cancelled, reason);

    public static JobOutcome Failed(string error) => new(JobStatus.Failed, error);
}
