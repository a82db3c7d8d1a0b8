using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Turns per-expert similarities into probabilities (softmax at a temperature) and picks experts:
/// the k most probable (distinct), or top-p (ALGORITHMS.md section 4). Deterministic.
/// </summary>
public static class SimilarityRouting
{
    public static double[] Softmax(IReadOnlyList<double> scores, double temperature)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count == 0)
        {
            return [];
        }

        var t = temperature > 0 ? temperature : 1e-6;
        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp((s - max) / t)).ToArray();
        var sum = exp.Sum();
        return [.. exp.Select(e => e / sum)];
    }

    /// <summary>Selects experts; returns their indices and the strategy name.</summary>
    public static (IReadOnlyList<int> Selected, string Strategy) Select(IReadOnlyList<double> probabilities, int k, double? topP)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (topP is { } p)
        {
            return (ExpertSelection.TopP(probabilities, p), RoutingStrategies.TopP);
        }

        var order = Enumerable.Range(0, probabilities.Count).OrderByDescending(i => probabilities[i]).ThenBy(i => i).Take(Math.Max(1, k)).ToList();
        return (order, $"top-{Math.Max(1, k)}");
    }
}
