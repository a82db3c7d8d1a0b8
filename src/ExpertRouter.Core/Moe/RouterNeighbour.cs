namespace ExpertRouter.Core.Moe;

/// <summary>A stored point near the query (a pilot or a remembered routed query) and what it says.</summary>
public sealed record RouterNeighbour(string Id, string ExpertId, double Similarity, string? Outcome);
