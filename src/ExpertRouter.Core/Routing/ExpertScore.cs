namespace ExpertRouter.Core.Routing;

/// <summary>One expert's scores in a <see cref="RoutingDecision"/>.</summary>
/// <param name="ExpertId">The expert's id.</param>
/// <param name="Local">Local suitability: sum of its profile scores over the mapped keywords (0 for a query without keywords).</param>
/// <param name="Global">Raw global total: sum of all its profile scores.</param>
/// <param name="GlobalProbability">Global competence, the total turned into a probability.</param>
/// <param name="Weight">Unnormalised routing weight (local × global, see <see cref="SymbolicMoeScoring.Combine"/>); 0 for a query without keywords.</param>
/// <param name="Probability">Routing probability the experts were selected from (uniform for a query without keywords).</param>
public sealed record ExpertScore(string ExpertId, double Local, int Global, double GlobalProbability, double Weight, double Probability);
