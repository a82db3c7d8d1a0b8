using ExpertRouter.Core.Aggregation;

namespace ExpertRouter.Core.Tests.Aggregation;

public sealed class VotingTests
{
    private const int Precision = 12;

    [Fact]
    public void Majority_CountsExtractedAnswers_NullAbstains()
    {
        // votes: B, C, B; D abstains -> B = 2, C = 1; 3 voters
        var r = Voting.Majority([C("e1", "B"), C("e2", "C"), C("e3", "B"), C("e4", null)]);
        Assert.Equal("B", r.Winner);
        Assert.Equal(2, r.Tally["B"]);
        Assert.Equal(1, r.Tally["C"]);
        Assert.Equal(3, r.Voters);
        Assert.False(r.Unanimous);
        Assert.Equal(VoteMethod.Majority, r.Method);
        Assert.Equal([1.0, 1, 1, 0], r.Weights);
    }

    [Fact]
    public void Majority_TieGoesToEarliestCandidate()
    {
        // x = 2 (candidates 0, 4), y = 2 (2, 3): tie -> x, whose first candidate (0) is earliest
        var r = Voting.Majority([C("a", "x"), C("b", null), C("c", "y"), C("d", "y"), C("e", "x")]);
        Assert.Equal("x", r.Winner);
        Assert.Equal(["x", "y"], r.Tally.Keys);

        Assert.Equal("C", Voting.Majority([C("a", "C"), C("b", "B")]).Winner);
    }

    [Fact]
    public void Majority_NoVoters_AndUnanimous()
    {
        var none = Voting.Majority([C("a", null), C("b", " ")]);
        Assert.Null(none.Winner);
        Assert.Empty(none.Tally);
        Assert.Equal(0, none.Voters);
        Assert.False(none.Unanimous);

        // abstentions do not break unanimity
        var u = Voting.Majority([C("a", "42"), C("b", null), C("c", "42")]);
        Assert.True(u.Unanimous);
        Assert.Equal(2, u.Voters);
    }

    [Fact]
    public void SelfCertaintyWeighted_RankWeightsFlipAMajority()
    {
        // voters (N = 5) by certainty desc: c1 3.0 (rank 0), c3 2.0 (1), c0 1.0 (2), c2 0.5 (3), c4 0.1 (4)
        // weights (N - rank)^0.5: c1 sqrt5 = 2.2360680, c3 sqrt4 = 2, c0 sqrt3 = 1.7320508, c2 sqrt2 = 1.4142136, c4 sqrt1 = 1
        // A = c0 + c2 + c4 = 1.7320508 + 1.4142136 + 1 = 4.1462644
        // B = c1 + c3 = 2.2360680 + 2 = 4.2360680 -> B wins (plain majority would be A 3 : B 2)
        CandidateAnswer[] candidates =
        [
            C("e0", "A", 1.0), C("e1", "B", 3.0), C("e2", "A", 0.5), C("e3", "B", 2.0), C("e4", "A", 0.1),
        ];
        var r = Voting.SelfCertaintyWeighted(candidates);
        Assert.Equal(VoteMethod.SelfCertaintyWeighted, r.Method);
        Assert.Equal("B", r.Winner);
        Assert.Equal(Math.Sqrt(3) + Math.Sqrt(2) + 1, r.Tally["A"], Precision);
        Assert.Equal(Math.Sqrt(5) + 2, r.Tally["B"], Precision);
        Assert.Equal(4.1462644, r.Tally["A"], 6);
        Assert.Equal(4.2360680, r.Tally["B"], 6);

        // power 1: weights 5, 4, 3, 2, 1 -> A = 3 + 2 + 1 = 6, B = 5 + 4 = 9
        var linear = Voting.SelfCertaintyWeighted(candidates, power: 1);
        Assert.Equal(6, linear.Tally["A"], Precision);
        Assert.Equal(9, linear.Tally["B"], Precision);

        // power 0: every weight (N - rank)^0 = 1 -> plain majority A 3 : B 2
        var plain = Voting.SelfCertaintyWeighted(candidates, power: 0);
        Assert.Equal("A", plain.Winner);
        Assert.Equal(3, plain.Tally["A"], Precision);
        Assert.Equal(2, plain.Tally["B"], Precision);
    }

    [Fact]
    public void SelfCertaintyWeighted_EqualCertaintiesShareTheBetterRank_AbstainersAreNotCounted()
    {
        // voters (N = 3): c0 1.0 and c1 1.0 both rank 0, c3 0.5 rank 2 (c2 abstains, its certainty is ignored)
        // weights: c0 sqrt3, c1 sqrt3, c3 sqrt(3 - 2) = 1 -> A = 1.7320508, B = 1.7320508 + 1 = 2.7320508
        var r = Voting.SelfCertaintyWeighted([C("e0", "A", 1.0), C("e1", "B", 1.0), C("e2", null, 9.0), C("e3", "B", 0.5)]);
        Assert.Equal("B", r.Winner);
        Assert.Equal(Math.Sqrt(3), r.Tally["A"], Precision);
        Assert.Equal(Math.Sqrt(3) + 1, r.Tally["B"], Precision);
        Assert.Equal(3, r.Voters);
        Assert.Equal(0, r.Weights[2]);
    }

    [Fact]
    public void SelfCertaintyWeighted_FallsBackToMajorityWhenACertaintyIsMissing()
    {
        // e1 (a remote expert) has no self-certainty -> plain majority: A 2, B 1
        var r = Voting.SelfCertaintyWeighted([C("e0", "A", 1.0), C("e1", "B"), C("e2", "A", 0.2)]);
        Assert.Equal(VoteMethod.MajorityFallbackNoSelfCertainty, r.Method);
        Assert.Equal("A", r.Winner);
        Assert.Equal(2, r.Tally["A"]);
        Assert.Equal(1, r.Tally["B"]);

        // an abstainer without certainty does not force the fallback
        var ok = Voting.SelfCertaintyWeighted([C("e0", "A", 1.0), C("e1", null)]);
        Assert.Equal(VoteMethod.SelfCertaintyWeighted, ok.Method);
        Assert.Equal(1, ok.Tally["A"], Precision); // N = 1, rank 0 -> 1^0.5 = 1

        Assert.Throws<ArgumentOutOfRangeException>(() => Voting.SelfCertaintyWeighted([], -1));
    }

    [Fact]
    public void IsConsensus()
    {
        Assert.True(Voting.IsConsensus([C("a", "42"), C("b", "42"), C("a", "42")]));
        Assert.False(Voting.IsConsensus([C("a", "42"), C("b", "41")]));
        Assert.False(Voting.IsConsensus([C("a", "42"), C("b", "42"), C("c", null)]));
        Assert.False(Voting.IsConsensus([C("a", null), C("b", null)]));
        Assert.False(Voting.IsConsensus([]));

        // one candidate: not a consensus by default (nothing to agree with); allowed with minCandidates = 1
        Assert.False(Voting.IsConsensus([C("a", "42")]));
        Assert.True(Voting.IsConsensus([C("a", "42")], minCandidates: 1));
    }

    private static CandidateAnswer C(string expert, string? extracted, double? certainty = null) =>
        new(expert, $"... the answer is {extracted}", extracted, certainty);
}
