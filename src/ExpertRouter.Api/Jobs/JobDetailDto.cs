using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Api.Jobs;

/// <summary><c>GET /api/jobs/{id}</c>: the job, a summary of its item checkpoints, and its history.</summary>
public sealed record JobDetailDto(JobDto Job, JobItemSummary Items, IReadOnlyList<JobEvent> History);
