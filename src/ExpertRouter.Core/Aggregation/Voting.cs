namespace ExpertRouter.Core.Aggregation;

/// <summary>
/// Answer voting (ALGORITHMS.md §5): majority over extracted answers (self-consistency), self-certainty weighted
/// voting and the consensus short-circuit. Extracted answers are compared ordinally, exactly as given (they are
/// already normalised); a null or blank extracted answer is an abstention.
/// </summary>
public static class Voting
{
    /// <summary>Relative tolerance under which two weighted tallies are considered tied.</summary>
    public const double TieTolerance = 1e-9;

    /// <summary>The default exponent of the self-certainty vote weight (N − rank)^power.</summary>
    public const double DefaultPower = 0.5;

    /// <summary>
    /// Plain majority: every candidate with an extracted answer casts one vote. Ties are broken in favour of the
    /// answer given by the earliest candidate (lowest index) in the list.
    /// </summary>
    /// <param name="candidates">The answers, in recruitment order.</param>
    /// <returns>The tally and winner.</returns>
    public static VoteResult Majority(IReadOnlyList<CandidateAnswer> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var weights = candidates.Select(c => IsVote(c) ? 1.0 : 0.0).ToArray();
        return Tally(candidates, weights, VoteMethod.Majority);
    }

    /// <summary>
    /// Self-certainty weighted vote. The N candidates with an extracted answer are ranked by
    /// <see cref="CandidateAnswer.SelfCertainty"/> descending (rank 0 = most certain; equal certainties share the
    /// better rank, i.e. rank = number of voters strictly more certain); each vote weighs (N − rank)^power.
    /// power = 0 is plain majority. If any voter lacks a self-certainty (null or NaN; abstainers are not checked),
    /// the result is plain <see cref="Majority"/> with <see cref="VoteMethod.MajorityFallbackNoSelfCertainty"/>.
    /// Ties (within <see cref="TieTolerance"/>, relative) go to the answer of the earliest candidate.
    /// </summary>
    /// <param name="candidates">The answers, in recruitment order.</param>
    /// <param name="power">Exponent, finite and not negative (0.5 in the reference).</param>
    /// <returns>The tally and winner.</returns>
    public static VoteResult SelfCertaintyWeighted(IReadOnlyList<CandidateAnswer> candidates, double power = DefaultPower)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (!(power >= 0) || double.IsPositiveInfinity(power))
        {
            throw new ArgumentOutOfRangeException(nameof(power), power, "The power must be finite and not negative.");
        }

        var voters = Enumerable.Range(0, candidates.Count).Where(i => IsVote(candidates[i])).ToArray();
        if (voters.Any(i => candidates[i].SelfCertainty is not { } s || double.IsNaN(s)))
        {
            return Majority(candidates) with { Method = VoteMethod.MajorityFallbackNoSelfCertainty };
        }

        var n = voters.Length;
        var weights = new double[candidates.Count];
        foreach (var i in voters)
        {
            var certainty = candidates[i].SelfCertainty!.Value;
            var rank = voters.Count(j => candidates[j].SelfCertainty!.Value > certainty);
            weights[i] = Math.Pow(n - rank, power);
        }

        return Tally(candidates, weights, VoteMethod.SelfCertaintyWeighted);
    }

    /// <summary>
    /// Consensus short-circuit: true when there are at least <paramref name="minCandidates"/> candidates and every
    /// one of them has the same non-blank extracted answer (an abstention breaks consensus). With the default of 2,
    /// a single candidate is not a consensus (there is no agreement to observe); pass 1 to accept it.
    /// </summary>
    /// <param name="candidates">The answers.</param>
    /// <param name="minCandidates">Smallest number of candidates that can form a consensus; at least 1.</param>
    /// <returns>Whether the aggregator can be skipped.</returns>
    public static bool IsConsensus(IReadOnlyList<CandidateAnswer> candidates, int minCandidates = 2)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minCandidates);
        if (candidates.Count < minCandidates || !IsVote(candidates[0]))
        {
            return false;
        }

        var first = candidates[0].Extracted;
        return candidates.All(c => IsVote(c) && string.Equals(c.Extracted, first, StringComparison.Ordinal));
    }

    private static bool IsVote(CandidateAnswer? candidate) => candidate is not null && !string.IsNullOrWhiteSpace(candidate.Extracted);

    private static VoteResult Tally(IReadOnlyList<CandidateAnswer> candidates, double[] weights, VoteMethod method)
    {
        var tally = new Dictionary<string, double>(StringComparer.Ordinal);
        var order = new List<string>();
        var voters = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!IsVote(candidates[i]))
            {
                continue;
            }

            voters++;
            var answer = candidates[i].Extracted!;
            if (tally.TryGetValue(answer, out var sum))
            {
                tally[answer] = sum + weights[i];
            }
            else
            {
                tally[answer] = weights[i];
                order.Add(answer);
            }
        }

        string? winner = null;
        var best = double.NegativeInfinity;
        foreach (var answer in order)
        {
            var score = tally[answer];
            if (winner is null || score > best + (TieTolerance * Math.Max(1, Math.Abs(best))))
            {
                winner = answer;
                best = score;
            }
        }

        return new VoteResult(winner, tally, order.Count == 1, voters, method, weights);
    }
}
