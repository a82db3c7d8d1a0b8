namespace ExpertRouter.Core.Routing;

/// <summary>A Symbolic-MoE routing decision with its full explanation.</summary>
/// <param name="Keywords">The query keywords and the profile keywords they were mapped to, with similarities.</param>
/// <param name="Experts">Every expert's scores, in the order of the profiles given to the router.</param>
/// <param name="UsedFallbackShift">True when no local score was positive and all were shifted (§1 step 7).</param>
/// <param name="IgnoredGlobalCompetence">True when every expert in use had global competence 0, so local scores alone were used.</param>
/// <param name="Strategy">How the experts were chosen: one of <see cref="RoutingStrategies"/>.</param>
/// <param name="Selected">Chosen expert ids in draw order (top-p: most probable first); may repeat when drawing with replacement.</param>
/// <param name="DistinctSelected">The distinct ids of <paramref name="Selected"/>, in order of first selection.</param>
/// <param name="Seed">The seed used, if any.</param>
public sealed record RoutingDecision(
    IReadOnlyList<MappedKeyword> Keywords,
    IReadOnlyList<ExpertScore> Experts,
    bool UsedFallbackShift,
    bool IgnoredGlobalCompetence,
    string Strategy,
    IReadOnlyList<string> Selected,
    IReadOnlyList<string> DistinctSelected,
    int? Seed);
