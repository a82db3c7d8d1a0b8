namespace ExpertRouter.Core.Routing;

/// <summary>
/// The Symbolic-MoE recruitment formulas (ALGORITHMS.md §1 steps 5-7) as pure, deterministic functions.
/// </summary>
public static class SymbolicMoeScoring
{
    /// <summary>The reference temperature for global competence.</summary>
    public const double DefaultTemperature = 0.5;

    /// <summary>
    /// Global competence (§1 step 6): turns each expert's raw global total into a probability.
    /// <list type="number">
    /// <item>If the minimum total is negative, every value x becomes x − min + 1 (so the minimum becomes 1).
    /// If the minimum is 0 or more, values are used as they are (no shift): an expert whose total is 0 then gets
    /// probability 0 while another expert's total is positive.</item>
    /// <item>Every value is raised to the power 1/T (T = 0.5 squares).</item>
    /// <item>Every value is divided by the total. When the total is 0 (possible only without a shift, i.e. all totals
    /// are 0) the result is uniform, 1/n each.</item>
    /// </list>
    /// Computed as (v/max)^(1/T) / Σ(v/max)^(1/T), mathematically identical, so large totals cannot overflow.
    /// </summary>
    /// <param name="totals">Raw global totals, one per expert; must be finite.</param>
    /// <param name="temperature">T, must be positive and finite.</param>
    /// <returns>One probability per expert, summing to 1; empty for no experts.</returns>
    public static double[] GlobalCompetence(IReadOnlyList<double> totals, double temperature = DefaultTemperature)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (!(temperature > 0) || double.IsPositiveInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        }

        var n = totals.Count;
        var result = new double[n];
        if (n == 0)
        {
            return result;
        }

        var min = double.PositiveInfinity;
        for (var i = 0; i < n; i++)
        {
            RequireFinite(totals[i], nameof(totals));
            min = Math.Min(min, totals[i]);
        }

        var shift = min < 0 ? -min + 1 : 0;
        var max = 0.0;
        for (var i = 0; i < n; i++)
        {
            max = Math.Max(max, totals[i] + shift);
        }

        if (max <= 0)
        {
            Array.Fill(result, 1.0 / n);
            return result;
        }

        var exponent = 1 / temperature;
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            result[i] = Math.Pow((totals[i] + shift) / max, exponent);
            sum += result[i];
        }

        if (!(sum > 0))
        {
            // Every value but the largest underflowed and the largest is 1, so this cannot happen; kept as a guard.
            Array.Fill(result, 1.0 / n);
            return result;
        }

        for (var i = 0; i < n; i++)
        {
            result[i] /= sum;
        }

        return result;
    }

    /// <summary>
    /// Local suitability (§1 step 5): per expert, the sum of its profile scores over the mapped keywords. A keyword
    /// that occurs several times counts every time; a keyword missing from a profile (or null) contributes 0.
    /// Lookup uses each profile dictionary's own comparer.
    /// </summary>
    /// <param name="experts">The experts' profiles.</param>
    /// <param name="mappedKeywords">The query's keywords, already mapped to profile keywords.</param>
    /// <returns>One local score per expert, in the order of <paramref name="experts"/>.</returns>
    public static double[] LocalSuitability(IReadOnlyList<ExpertProfile> experts, IReadOnlyList<string> mappedKeywords)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(mappedKeywords);
        var result = new double[experts.Count];
        for (var i = 0; i < experts.Count; i++)
        {
            var scores = experts[i].KeywordScores;
            var sum = 0.0;
            foreach (var keyword in mappedKeywords)
            {
                if (keyword is not null && scores.TryGetValue(keyword, out var score))
                {
                    sum += score;
                }
            }

            result[i] = sum;
        }

        return result;
    }

    /// <summary>
    /// Combines local suitability and global competence (§1 step 7).
    /// <list type="bullet">
    /// <item>If at least one local score is positive: weight = local × global for those experts, 0 for the others.</item>
    /// <item>Otherwise (fallback shift): every local score becomes local − min + 1 and every expert is used:
    /// weight = shifted local × global.</item>
    /// <item>Probabilities = weights / Σ weights. If that sum is 0 (every expert in use has global 0), the global
    /// factor is dropped: probabilities = (shifted) local / Σ over the experts in use, and
    /// <see cref="RoutingWeights.IgnoredGlobalCompetence"/> is set.</item>
    /// </list>
    /// </summary>
    /// <param name="local">Local scores from <see cref="LocalSuitability"/>; finite.</param>
    /// <param name="global">Global competence probabilities from <see cref="GlobalCompetence"/>; finite and non-negative.</param>
    /// <returns>Weights and probabilities per expert.</returns>
    public static RoutingWeights Combine(IReadOnlyList<double> local, IReadOnlyList<double> global)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(global);
        if (local.Count != global.Count)
        {
            throw new ArgumentException($"{local.Count} local scores but {global.Count} global scores.", nameof(global));
        }

        var n = local.Count;
        var anyPositive = false;
        var min = double.PositiveInfinity;
        for (var i = 0; i < n; i++)
        {
            RequireFinite(local[i], nameof(local));
            RequireFinite(global[i], nameof(global));
            if (global[i] < 0)
            {
                throw new ArgumentException("Global competence must not be negative.", nameof(global));
            }

            anyPositive |= local[i] > 0;
            min = Math.Min(min, local[i]);
        }

        var fallback = n > 0 && !anyPositive;
        var basis = new double[n];
        for (var i = 0; i < n; i++)
        {
            basis[i] = fallback ? local[i] - min + 1 : Math.Max(local[i], 0);
        }

        var weights = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            weights[i] = basis[i] * global[i];
            sum += weights[i];
        }

        var ignoredGlobal = false;
        var probabilities = new double[n];
        if (sum > 0)
        {
            for (var i = 0; i < n; i++)
            {
                probabilities[i] = weights[i] / sum;
            }
        }
        else if (n > 0)
        {
            ignoredGlobal = true;
            var basisSum = basis.Sum();
            for (var i = 0; i < n; i++)
            {
                probabilities[i] = basis[i] / basisSum;
            }
        }

        return new RoutingWeights(weights, probabilities, fallback, ignoredGlobal);
    }

    private static void RequireFinite(double value, string paramName)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException("Scores must be finite numbers.", paramName);
        }
    }
}
