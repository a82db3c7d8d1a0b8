namespace ExpertRouter.Core.Jobs;

/// <summary>
/// One item of a job as seen from outside: how many times its computation was started
/// (<see cref="Computations"/>, counted before each start, so a value above 1 means it was redone),
/// and its checkpoint when it has one.
/// </summary>
public sealed record JobItemState(long Item, int Computations, string? LastStartedBy, bool? Succeeded, string? FinishedBy, DateTimeOffset? FinishedAt);
