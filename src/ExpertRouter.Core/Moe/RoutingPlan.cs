using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Moe;

/// <summary>The routing decision for one query, before any expert answers.</summary>
public sealed record RoutingPlan(string Question, SkillProfileSet Profile, RoutingDecision Decision, RoutingExplanation Explanation);
