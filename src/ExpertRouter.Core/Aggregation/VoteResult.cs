namespace ExpertRouter.Core.Aggregation;

/// <summary>Outcome of a vote over extracted answers.</summary>
/// <param name="Winner">The answer with the highest tally; null when nobody voted.</param>
/// <param name="Tally">Answer → total vote weight (a count for plain majority), in order of first appearance.</param>
/// <param name="Unanimous">True when at least one candidate voted and every voter gave the same answer (abstentions are ignored).</param>
/// <param name="Voters">Number of candidates with an extracted answer.</param>
/// <param name="Method">How the votes were weighted.</param>
/// <param name="Weights">Per candidate, in input order, the weight of its vote (0 for an abstention).</param>
public sealed record VoteResult(
    string? Winner,
    IReadOnlyDictionary<string, double> Tally,
    bool Unanimous,
    int Voters,
    VoteMethod Method,
    IReadOnlyList<double> Weights);
