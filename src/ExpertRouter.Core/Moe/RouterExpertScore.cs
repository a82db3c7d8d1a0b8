namespace ExpertRouter.Core.Moe;

/// <summary>
/// An expert's score under an embedding-based router: the similarity that drove it, the resulting
/// probability and, when blended with Symbolic-MoE, the two parts.
/// </summary>
public sealed record RouterExpertScore(string ExpertId, double Similarity, double Probability, double? RouterProbability = null, double? SymbolicProbability = null);
