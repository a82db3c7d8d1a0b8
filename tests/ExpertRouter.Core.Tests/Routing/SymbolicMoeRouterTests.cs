using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Tests.Routing;

public sealed class SymbolicMoeRouterTests
{
    // A: {algebra 2, calculus 1} total 3; B: {algebra -1, biology 3} total 2; C: {biology -2, law 1} total -1
    // Global: min -1 -> shift +2 -> [5, 4, 1]; squared [25, 16, 1]; sum 42 -> [25/42, 16/42, 1/42]
    private static readonly IReadOnlyList<ExpertProfile> Experts =
    [
        new("A", new Dictionary<string, int> { ["algebra"] = 2, ["calculus"] = 1 }, 3, 3),
        new("B", new Dictionary<string, int> { ["algebra"] = -1, ["biology"] = 3 }, 2, 4),
        new("C", new Dictionary<string, int> { ["biology"] = -2, ["law"] = 1 }, 1, 4),
    ];

    [Fact]
    public void Route_ExplainsEveryScore()
    {
        // mapped [algebra, biology]: local A = 2 + 0 = 2; B = -1 + 3 = 2; C = 0 + (-2) = -2
        // weights: A 2 * 25/42 = 50/42; B 2 * 16/42 = 32/42; C not positive -> 0; sum 82/42
        // probabilities: [50/82, 32/82, 0] = [25/41, 16/41, 0]
        MappedKeyword[] keywords = [new("algebraic equations", "algebra", 0.8), new("genetics", "biology", 0.6)];
        var d = SymbolicMoeRouter.Route(Experts, keywords, new SymbolicMoeOptions { Seed = 5 });

        Assert.Equal(RoutingStrategies.KDrawWithReplacement, d.Strategy);
        Assert.False(d.UsedFallbackShift);
        Assert.Equal(keywords, d.Keywords);
        Assert.Equal(["A", "B", "C"], d.Experts.Select(e => e.ExpertId));
        SymbolicMoeScoringTests.AssertSequence([2, 2, -2], d.Experts.Select(e => e.Local).ToArray());
        Assert.Equal([3, 2, -1], d.Experts.Select(e => e.Global));
        SymbolicMoeScoringTests.AssertSequence([25 / 42.0, 16 / 42.0, 1 / 42.0], d.Experts.Select(e => e.GlobalProbability).ToArray());
        SymbolicMoeScoringTests.AssertSequence([50 / 42.0, 32 / 42.0, 0], d.Experts.Select(e => e.Weight).ToArray());
        SymbolicMoeScoringTests.AssertSequence([25 / 41.0, 16 / 41.0, 0], d.Experts.Select(e => e.Probability).ToArray());
        Assert.Equal(3, d.Selected.Count);
        Assert.DoesNotContain("C", d.Selected);
        Assert.Equal(d.Selected.Distinct(), d.DistinctSelected);
        Assert.Equal(5, d.Seed);
    }

    [Fact]
    public void Route_AllNegativeLocals_UsesFallbackShift()
    {
        // Two experts whose only skill is negative, so every local score is negative.
        IReadOnlyList<ExpertProfile> experts =
        [
            new("X", new Dictionary<string, int> { ["law"] = -3 }, 0, 3),
            new("Y", new Dictionary<string, int> { ["law"] = -1 }, 1, 3),
        ];

        // global totals [-3, -1]: shift +4 -> [1, 3]; squared [1, 9]; sum 10 -> [0.1, 0.9]
        // local [-3, -1]: none positive -> shift -(-3) + 1 = 4 -> [1, 3]
        // weights [1 * 0.1, 3 * 0.9] = [0.1, 2.7]; sum 2.8 -> [1/28, 27/28]
        var d = SymbolicMoeRouter.Route(experts, [new MappedKeyword("law", "law", 1)], new SymbolicMoeOptions { Seed = 1 });
        Assert.True(d.UsedFallbackShift);
        SymbolicMoeScoringTests.AssertSequence([0.1, 2.7], d.Experts.Select(e => e.Weight).ToArray());
        SymbolicMoeScoringTests.AssertSequence([1 / 28.0, 27 / 28.0], d.Experts.Select(e => e.Probability).ToArray());
    }

    [Fact]
    public void Route_UnknownKeywordsContributeZero_FallbackGivesGlobalCompetence()
    {
        // "zoology" exists in no profile: local [0, 0, 0] -> fallback shift +1 -> [1, 1, 1] -> probabilities = global
        var d = SymbolicMoeRouter.Route(Experts, [new MappedKeyword("zoo animals", "zoology", 0.7)], new SymbolicMoeOptions { Seed = 3 });
        Assert.True(d.UsedFallbackShift);
        SymbolicMoeScoringTests.AssertSequence([0, 0, 0], d.Experts.Select(e => e.Local).ToArray());
        SymbolicMoeScoringTests.AssertSequence([25 / 42.0, 16 / 42.0, 1 / 42.0], d.Experts.Select(e => e.Probability).ToArray());
    }

    [Fact]
    public void Route_NoKeywords_DrawsKDistinctRandomExperts()
    {
        var d = SymbolicMoeRouter.Route(Experts, [], new SymbolicMoeOptions { K = 2, Seed = 11 });
        Assert.Equal(RoutingStrategies.RandomNoKeywords, d.Strategy);
        Assert.Equal(2, d.Selected.Count);
        Assert.Equal(d.Selected, d.DistinctSelected);
        Assert.All(d.Experts, e => Assert.Equal(1 / 3.0, e.Probability, 12));

        // unmapped keywords count as no keywords; k larger than the pool -> every expert once
        var all = SymbolicMoeRouter.Route(Experts, [new MappedKeyword("", null, 0)], new SymbolicMoeOptions { K = 10, Seed = 11 });
        Assert.Equal(RoutingStrategies.RandomNoKeywords, all.Strategy);
        Assert.Equal(["A", "B", "C"], all.Selected.Order());
    }

    [Fact]
    public void Route_KLargerThanExperts_WithAndWithoutReplacement()
    {
        // fallback case: every expert has positive probability [25/42, 16/42, 1/42]
        MappedKeyword[] keywords = [new("zoo", "zoology", 0.5)];
        var with = SymbolicMoeRouter.Route(Experts, keywords, new SymbolicMoeOptions { K = 7, Seed = 2 });
        Assert.Equal(7, with.Selected.Count);
        Assert.Equal(RoutingStrategies.KDrawWithReplacement, with.Strategy);

        var without = SymbolicMoeRouter.Route(Experts, keywords, new SymbolicMoeOptions { K = 7, WithReplacement = false, Seed = 2 });
        Assert.Equal(RoutingStrategies.KDrawWithoutReplacement, without.Strategy);
        Assert.Equal(["A", "B", "C"], without.Selected.Order());
    }

    [Fact]
    public void Route_OneExpert()
    {
        IReadOnlyList<ExpertProfile> one = [new("solo", new Dictionary<string, int> { ["algebra"] = -4 }, 0, 4)];
        MappedKeyword[] keywords = [new("algebra", "algebra", 1)];
        var with = SymbolicMoeRouter.Route(one, keywords, new SymbolicMoeOptions { Seed = 1 });
        Assert.Equal(["solo", "solo", "solo"], with.Selected);
        Assert.Equal(["solo"], with.DistinctSelected);
        Assert.Equal(1, with.Experts[0].Probability, 12);

        var without = SymbolicMoeRouter.Route(one, keywords, new SymbolicMoeOptions { WithReplacement = false, Seed = 1 });
        Assert.Equal(["solo"], without.Selected);

        var topP = SymbolicMoeRouter.Route(one, keywords, new SymbolicMoeOptions { TopP = 0.4 });
        Assert.Equal(["solo"], topP.Selected);
    }

    [Fact]
    public void Route_TopP_SelectsByCumulativeProbability()
    {
        // probabilities [25/41 = 0.6098, 16/41 = 0.3902, 0] (see Route_ExplainsEveryScore)
        MappedKeyword[] keywords = [new("algebra", "algebra", 1), new("biology", "biology", 1)];

        // p = 0.4: 0.6098 >= 0.4 -> [A]
        var narrow = SymbolicMoeRouter.Route(Experts, keywords, new SymbolicMoeOptions { TopP = 0.4 });
        Assert.Equal(RoutingStrategies.TopP, narrow.Strategy);
        Assert.Equal(["A"], narrow.Selected);

        // p = 0.7: 0.6098 < 0.7, + 0.3902 = 1 >= 0.7 -> [A, B]; C (0) never
        var wide = SymbolicMoeRouter.Route(Experts, keywords, new SymbolicMoeOptions { TopP = 0.7 });
        Assert.Equal(["A", "B"], wide.Selected);
    }

    [Fact]
    public void Route_SeededIsReproducible()
    {
        MappedKeyword[] keywords = [new("zoo", "zoology", 0.5)];
        var options = new SymbolicMoeOptions { K = 12, Seed = 1234 };
        var first = SymbolicMoeRouter.Route(Experts, keywords, options);
        var second = SymbolicMoeRouter.Route(Experts, keywords, options);
        Assert.Equal(first.Selected, second.Selected);

        var randomFirst = SymbolicMoeRouter.Route(Experts, [], options with { K = 2 });
        var randomSecond = SymbolicMoeRouter.Route(Experts, [], options with { K = 2 });
        Assert.Equal(randomFirst.Selected, randomSecond.Selected);
    }

    [Fact]
    public void Route_DrawFrequenciesMatchProbabilities()
    {
        // fallback case probabilities [25/42, 16/42, 1/42] = [0.5952, 0.3810, 0.0238]
        MappedKeyword[] keywords = [new("zoo", "zoology", 0.5)];
        const int k = 90_000;
        var d = SymbolicMoeRouter.Route(Experts, keywords, new SymbolicMoeOptions { K = k, Seed = 77 });
        Assert.Equal(25 / 42.0, d.Selected.Count(s => s == "A") / (double)k, 0.01);
        Assert.Equal(16 / 42.0, d.Selected.Count(s => s == "B") / (double)k, 0.01);
        Assert.Equal(1 / 42.0, d.Selected.Count(s => s == "C") / (double)k, 0.01);
    }

    [Fact]
    public void Route_ValidatesOptions()
    {
        Assert.Throws<ArgumentException>(() => SymbolicMoeRouter.Route([], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymbolicMoeRouter.Route(Experts, [], new SymbolicMoeOptions { K = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymbolicMoeRouter.Route(Experts, [], new SymbolicMoeOptions { TopP = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            SymbolicMoeRouter.Route(Experts, [new MappedKeyword("a", "algebra", 1)], new SymbolicMoeOptions { Temperature = 0 }));
    }
}
