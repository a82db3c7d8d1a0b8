namespace ExpertRouter.Core.Jobs;

/// <summary>Filters for listing jobs, newest first; <see cref="After"/> is the id of the last job of the previous page.</summary>
public sealed record JobQuery(string? Kind = null, JobStatus? Status = null, string? After = null, int Limit = 20);
