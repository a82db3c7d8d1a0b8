namespace ExpertRouter.Core.Routing;

/// <summary>
/// Choosing experts from routing probabilities: k draws (ALGORITHMS.md §1 step 8), top-p (§4) and k random
/// experts for queries without keywords. Probabilities need not sum to 1: they are used relative to their total.
/// </summary>
public static class ExpertSelection
{
    /// <summary>Tolerance for "the cumulative probability reaches p" in <see cref="TopP"/>, against rounding error.</summary>
    public const double CumulativeTolerance = 1e-12;

    /// <summary>
    /// Draws k experts from a categorical distribution.
    /// <list type="bullet">
    /// <item>With replacement: k independent draws; an expert may be drawn several times (each draw is a separate sampled answer).</item>
    /// <item>Without replacement: draw, remove the drawn expert, renormalise, repeat. When k is larger than the number
    /// of experts with positive probability, all of those experts are returned (fewer than k indices), in draw order.</item>
    /// </list>
    /// Experts with probability 0 are never drawn; when no expert has a positive probability the result is empty.
    /// </summary>
    /// <param name="probabilities">Per expert, a non-negative finite weight.</param>
    /// <param name="k">Number of draws; must be positive.</param>
    /// <param name="withReplacement">Whether an expert may be drawn more than once.</param>
    /// <param name="random">Source of randomness (seed it for reproducible draws).</param>
    /// <returns>Expert indices in draw order.</returns>
    public static IReadOnlyList<int> DrawK(IReadOnlyList<double> probabilities, int k, bool withReplacement, Random random)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var weights = new double[probabilities.Count];
        var positive = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var p = probabilities[i];
            if (!double.IsFinite(p) || p < 0)
            {
                throw new ArgumentException("Probabilities must be finite and non-negative.", nameof(probabilities));
            }

            weights[i] = p;
            if (p > 0)
            {
                positive++;
            }
        }

        var result = new List<int>(Math.Min(k, Math.Max(positive, 1)));
        if (positive == 0)
        {
            return result;
        }

        var draws = withReplacement ? k : Math.Min(k, positive);
        for (var d = 0; d < draws; d++)
        {
            var index = DrawOne(weights, random);
            result.Add(index);
            if (!withReplacement)
            {
                weights[index] = 0;
            }
        }

        return result;
    }

    /// <summary>
    /// Top-p (nucleus) selection over experts (§4): indices sorted by probability descending (ties: lower index
    /// first), added until the cumulative probability (relative to the total) reaches <paramref name="p"/>, within
    /// <see cref="CumulativeTolerance"/>. At least one expert is returned (for p = 0 too); experts with probability 0
    /// are never added after the first.
    /// </summary>
    /// <param name="probabilities">Per expert, a non-negative finite weight.</param>
    /// <param name="p">Target cumulative probability in [0, 1].</param>
    /// <returns>Selected indices, most probable first; empty only when there are no experts.</returns>
    public static IReadOnlyList<int> TopP(IReadOnlyList<double> probabilities, double p)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in [0, 1].");
        }

        var total = 0.0;
        foreach (var w in probabilities)
        {
            if (!double.IsFinite(w) || w < 0)
            {
                throw new ArgumentException("Probabilities must be finite and non-negative.", nameof(probabilities));
            }

            total += w;
        }

        var order = Enumerable.Range(0, probabilities.Count).OrderByDescending(i => probabilities[i]).ThenBy(i => i);
        var result = new List<int>();
        var cumulative = 0.0;
        foreach (var i in order)
        {
            if (result.Count > 0 && probabilities[i] <= 0)
            {
                break;
            }

            result.Add(i);
            cumulative += total > 0 ? probabilities[i] / total : 0;
            if (cumulative >= p - CumulativeTolerance)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>
    /// k distinct experts chosen uniformly at random (partial Fisher-Yates), for queries with no keywords at all.
    /// When k exceeds <paramref name="expertCount"/> every expert is returned, in random order.
    /// </summary>
    /// <param name="expertCount">Number of experts; not negative.</param>
    /// <param name="k">Number of experts wanted; must be positive.</param>
    /// <param name="random">Source of randomness.</param>
    /// <returns>Distinct expert indices in draw order.</returns>
    public static IReadOnlyList<int> RandomK(int expertCount, int k, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(expertCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var pool = Enumerable.Range(0, expertCount).ToArray();
        var take = Math.Min(k, expertCount);
        for (var i = 0; i < take; i++)
        {
            var j = random.Next(i, expertCount);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        return pool[..take];
    }

    private static int DrawOne(double[] weights, Random random)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var u = random.NextDouble() * total;
        var cumulative = 0.0;
        var last = -1;
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0)
            {
                continue;
            }

            last = i;
            cumulative += weights[i];
            if (u < cumulative)
            {
                return i;
            }
        }

        // Rounding can leave u at the very end of the range: take the last expert with positive weight.
        return last;
    }
}
