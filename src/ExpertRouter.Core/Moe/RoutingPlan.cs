using ExpertRouter.Core.Profiling;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// A router's decision for one query, before any expert answers: the recruited instances in order
/// (an expert may appear several times), the profile whose aggregator synthesises (when there is
/// one), and the explanation returned to the caller.
/// </summary>
public sealed record RoutingPlan(string Question, SkillProfileSet? Profile, IReadOnlyList<string> Selected, RoutingExplanation Explanation);
