namespace ExpertRouter.Core.Validation;

/// <summary>A stored validation set (its items are fetched separately).</summary>
public sealed record ValidationSetInfo(string Id, string Name, string? Description, int ItemCount, DateTimeOffset CreatedAt);
