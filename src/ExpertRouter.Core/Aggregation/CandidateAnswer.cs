namespace ExpertRouter.Core.Aggregation;

/// <summary>One recruited expert's answer, as seen by aggregation (ALGORITHMS.md §5).</summary>
/// <param name="ExpertId">The expert that wrote it (the same expert may appear several times when drawn with replacement).</param>
/// <param name="Text">The full answer text.</param>
/// <param name="Extracted">The normalised final answer (choice letter, number, boxed expression); null (or blank) when none could be extracted — the candidate then abstains from votes.</param>
/// <param name="SelfCertainty">Mean KL(U || p) over the answer's tokens (higher = more confident); null when unavailable, e.g. for remote experts.</param>
public sealed record CandidateAnswer(string ExpertId, string Text, string? Extracted, double? SelfCertainty = null);
