namespace ExpertRouter.Core.Profiling;

/// <summary>One expert's saved answer to one validation item (per-item checkpoint of a run).</summary>
public sealed record StoredAnswer(string ExpertId, int ItemIndex, string Output, string? Extracted, bool Correct, double? SelfCertainty);
