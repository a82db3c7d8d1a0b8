namespace ExpertRouter.Core.Jobs;

/// <summary>
/// A finished part of an unfinished item (for a routed batch line: one recruited expert instance's answer, <see cref="Part"/>
/// being its index in the routing plan). Written once (first write wins), so a job taken over after a crash reuses the
/// parts instead of computing them again. An item's parts are deleted when its checkpoint is stored: they are only
/// needed until the item is finished.
/// </summary>
public sealed record JobPartial(string JobId, long Item, int Part, string Result, string? Worker, DateTimeOffset CreatedAt = default);
