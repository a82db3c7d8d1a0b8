namespace ExpertRouter.Core.Jobs;

/// <summary>
/// One item of a job as seen from outside: how many times its computation was started
/// (<see cref="Computations"/>, counted before each start, so a value above 1 means it was redone),
/// its checkpoint when it has one, and how many of its parts are stored while it is unfinished (<see cref="Parts"/>: for a
/// routed batch line, expert answers kept for a resumed run).
/// </summary>
public sealed record JobItemState(long Item, int Computations, string? LastStartedBy, bool? Succeeded, string? FinishedBy, DateTimeOffset? FinishedAt, int Parts = 0);
