namespace ExpertRouter.Api.Jobs;

/// <summary>Items of a job: started at least once, finished (succeeded/failed), and recomputed (started more than once).</summary>
public sealed record JobItemSummary(int Started, int Succeeded, int Failed, int Recomputed, int Computations);
