using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Api.Jobs;

/// <summary>The result of a cancel or retry request: the job after it, or why nothing was done.</summary>
public sealed record JobActionResult(JobRecord? Job, bool NotFound, string? Conflict);
