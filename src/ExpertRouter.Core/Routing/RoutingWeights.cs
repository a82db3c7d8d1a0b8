namespace ExpertRouter.Core.Routing;

/// <summary>Result of <see cref="SymbolicMoeScoring.Combine"/> (ALGORITHMS.md §1 step 7).</summary>
/// <param name="Weights">Per expert, unnormalised weight: local × global for the experts in use, 0 for the others.</param>
/// <param name="Probabilities">Per expert, <paramref name="Weights"/> divided by their sum (sums to 1 unless there are no experts).</param>
/// <param name="UsedFallbackShift">True when no local score was positive, so every local score was shifted by (−min + 1) and every expert was used.</param>
/// <param name="IgnoredGlobalCompetence">
/// True when every weight of the experts in use was 0 (their global competence was 0), so the probabilities were taken
/// from the (possibly shifted) local scores alone. Not part of the paper; it avoids a division by zero.
/// </param>
public sealed record RoutingWeights(
    IReadOnlyList<double> Weights,
    IReadOnlyList<double> Probabilities,
    bool UsedFallbackShift,
    bool IgnoredGlobalCompetence = false);
