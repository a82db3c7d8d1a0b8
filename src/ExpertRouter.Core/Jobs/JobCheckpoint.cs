namespace ExpertRouter.Core.Jobs;

/// <summary>
/// The finished result of one item of a job (for a batch: one input line, numbered from 1). Written once:
/// the first write wins, so a resumed or duplicated worker never stores an item twice.
/// </summary>
public sealed record JobCheckpoint(string JobId, long Item, bool Succeeded, string Result, string? Worker, DateTimeOffset CreatedAt = default);
