namespace ExpertRouter.Core.Routing;

/// <summary>
/// Symbolic-MoE recruitment (ALGORITHMS.md §1 steps 5-8, §4) as pure orchestration over
/// <see cref="SymbolicMoeScoring"/> and <see cref="ExpertSelection"/>; no model is called here. Keyword annotation
/// and mapping (<see cref="KeywordMapper"/>) happen before.
/// </summary>
public static class SymbolicMoeRouter
{
    /// <summary>
    /// Routes one query.
    /// <list type="number">
    /// <item>No keyword with a profile keyword (none annotated, or none could be mapped): <see cref="SymbolicMoeOptions.K"/>
    /// distinct experts at random (<see cref="RoutingStrategies.RandomNoKeywords"/>), whatever the other settings.</item>
    /// <item>Otherwise local suitability over the mapped profile keywords (each occurrence counts), global competence
    /// of every expert's total with <see cref="SymbolicMoeOptions.Temperature"/>, combined into probabilities.</item>
    /// <item>Top-p when <see cref="SymbolicMoeOptions.TopP"/> is set, otherwise k draws with or without replacement.</item>
    /// </list>
    /// Randomness: <c>new Random(Seed)</c> when <see cref="SymbolicMoeOptions.Seed"/> is set (reproducible); otherwise
    /// <paramref name="random"/> when given, else <see cref="Random.Shared"/>.
    /// </summary>
    /// <param name="experts">The pool's profiles; at least one.</param>
    /// <param name="keywords">The query's keywords, already mapped to profile keywords.</param>
    /// <param name="options">Settings; null = defaults (k = 3 with replacement, T = 0.5).</param>
    /// <param name="random">Randomness to use when no seed is set.</param>
    /// <returns>The decision with its explanation.</returns>
    public static RoutingDecision Route(
        IReadOnlyList<ExpertProfile> experts,
        IReadOnlyList<MappedKeyword> keywords,
        SymbolicMoeOptions? options = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(keywords);
        options ??= new SymbolicMoeOptions();
        if (experts.Count == 0)
        {
            throw new ArgumentException("At least one expert profile is required.", nameof(experts));
        }

        if (options.K <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.K, "K must be positive.");
        }

        if (options.TopP is { } p && !(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), p, "TopP must be in [0, 1].");
        }

        var rng = options.Seed is { } seed ? new Random(seed) : random ?? Random.Shared;
        var totals = experts.Select(e => (double)e.GlobalScore).ToArray();
        var global = SymbolicMoeScoring.GlobalCompetence(totals, options.Temperature);
        var mapped = keywords.Where(k => k?.ProfileKeyword is not null).Select(k => k.ProfileKeyword!).ToArray();

        string strategy;
        IReadOnlyList<int> chosen;
        ExpertScore[] scores;
        var fallback = false;
        var ignoredGlobal = false;
        if (mapped.Length == 0)
        {
            strategy = RoutingStrategies.RandomNoKeywords;
            chosen = ExpertSelection.RandomK(experts.Count, options.K, rng);
            var uniform = 1.0 / experts.Count;
            scores = experts.Select((e, i) => new ExpertScore(e.ExpertId, 0, e.GlobalScore, global[i], 0, uniform)).ToArray();
        }
        else
        {
            var local = SymbolicMoeScoring.LocalSuitability(experts, mapped);
            var weights = SymbolicMoeScoring.Combine(local, global);
            fallback = weights.UsedFallbackShift;
            ignoredGlobal = weights.IgnoredGlobalCompetence;
            if (options.TopP is { } topP)
            {
                strategy = RoutingStrategies.TopP;
                chosen = ExpertSelection.TopP(weights.Probabilities, topP);
            }
            else
            {
                strategy = options.WithReplacement ? RoutingStrategies.KDrawWithReplacement : RoutingStrategies.KDrawWithoutReplacement;
                chosen = ExpertSelection.DrawK(weights.Probabilities, options.K, options.WithReplacement, rng);
            }

            scores = experts
                .Select((e, i) => new ExpertScore(e.ExpertId, local[i], e.GlobalScore, global[i], weights.Weights[i], weights.Probabilities[i]))
                .ToArray();
        }

        var selected = chosen.Select(i => experts[i].ExpertId).ToArray();
        var distinct = selected.Distinct(StringComparer.Ordinal).ToArray();
        return new RoutingDecision(keywords.ToArray(), scores, fallback, ignoredGlobal, strategy, selected, distinct, options.Seed);
    }
}
