using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Tests.Routing;

public sealed class SymbolicMoeScoringTests
{
    private const int Precision = 12;

    [Fact]
    public void GlobalCompetence_NegativeTotals_AreShiftedThenSquared()
    {
        // totals [-2, 0, 3]; min = -2 < 0 -> shift x - (-2) + 1 = x + 3 -> [1, 3, 6]
        // T = 0.5 -> power 1/T = 2 -> [1, 9, 36]; sum = 46 -> [1/46, 9/46, 36/46]
        var p = SymbolicMoeScoring.GlobalCompetence([-2, 0, 3]);
        AssertSequence([1 / 46.0, 9 / 46.0, 36 / 46.0], p);
    }

    [Fact]
    public void GlobalCompetence_AllPositive_NoShift()
    {
        // totals [1, 2, 3]; min = 1 >= 0 -> no shift; squared [1, 4, 9]; sum 14
        var p = SymbolicMoeScoring.GlobalCompetence([1, 2, 3]);
        AssertSequence([1 / 14.0, 4 / 14.0, 9 / 14.0], p);
    }

    [Fact]
    public void GlobalCompetence_MinimumZero_NoShift_ZeroTotalGetsZero()
    {
        // totals [0, 2, 4]; min = 0 is not negative -> no shift; squared [0, 4, 16]; sum 20 -> [0, 0.2, 0.8]
        var p = SymbolicMoeScoring.GlobalCompetence([0, 2, 4]);
        AssertSequence([0, 0.2, 0.8], p);
    }

    [Fact]
    public void GlobalCompetence_TemperatureHalf_Squares_OtherTemperaturesUsePowerOneOverT()
    {
        // T = 0.5: [1, 2, 3] -> [1, 4, 9] / 14 (squares)
        AssertSequence([1 / 14.0, 4 / 14.0, 9 / 14.0], SymbolicMoeScoring.GlobalCompetence([1, 2, 3], 0.5));

        // T = 1: [1, 2, 3] -> [1, 2, 3] / 6 (plain proportions)
        AssertSequence([1 / 6.0, 2 / 6.0, 3 / 6.0], SymbolicMoeScoring.GlobalCompetence([1, 2, 3], 1));

        // T = 0.25: power 4 -> [1, 16, 81] / 98
        AssertSequence([1 / 98.0, 16 / 98.0, 81 / 98.0], SymbolicMoeScoring.GlobalCompetence([1, 2, 3], 0.25));

        // T = 2: power 1/2 -> [1, sqrt 4 = 2, sqrt 9 = 3] on totals [1, 4, 9] -> [1, 2, 3] / 6
        AssertSequence([1 / 6.0, 2 / 6.0, 3 / 6.0], SymbolicMoeScoring.GlobalCompetence([1, 4, 9], 2));
    }

    [Fact]
    public void GlobalCompetence_Ties()
    {
        // [5, 5] -> [25, 25] / 50 -> [0.5, 0.5]
        AssertSequence([0.5, 0.5], SymbolicMoeScoring.GlobalCompetence([5, 5]));

        // [-1, -1, 2]: shift by -(-1) + 1 = 2 -> [1, 1, 4]; squared [1, 1, 16]; sum 18
        AssertSequence([1 / 18.0, 1 / 18.0, 16 / 18.0], SymbolicMoeScoring.GlobalCompetence([-1, -1, 2]));
    }

    [Fact]
    public void GlobalCompetence_AllZero_IsUniform_EmptyIsEmpty_SingleIsOne()
    {
        // [0, 0, 0]: no shift (min 0), squares all 0, total 0 -> uniform 1/3 each
        AssertSequence([1 / 3.0, 1 / 3.0, 1 / 3.0], SymbolicMoeScoring.GlobalCompetence([0, 0, 0]));
        Assert.Empty(SymbolicMoeScoring.GlobalCompetence([]));

        // [-7]: shift 8 -> [1] -> [1]
        AssertSequence([1.0], SymbolicMoeScoring.GlobalCompetence([-7]));
    }

    [Fact]
    public void GlobalCompetence_LargeTotals_DoNotOverflow()
    {
        // [1e200, 1e200] would overflow when squared directly; the result is still [0.5, 0.5]
        AssertSequence([0.5, 0.5], SymbolicMoeScoring.GlobalCompetence([1e200, 1e200]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void GlobalCompetence_RejectsBadTemperature(double t) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SymbolicMoeScoring.GlobalCompetence([1, 2], t));

    [Fact]
    public void GlobalCompetence_RejectsNonFiniteTotals() =>
        Assert.Throws<ArgumentException>(() => SymbolicMoeScoring.GlobalCompetence([1, double.NaN]));

    [Fact]
    public void LocalSuitability_SumsMappedKeywords_RepeatsCount_UnknownContributesZero()
    {
        var experts = Profiles();

        // mapped [algebra, algebra, geometry, zoology]
        // A: 3 + 3 + (-1) + 0 = 5
        // B: -2 + -2 + 0 + 0 = -4
        // C: empty profile -> 0
        var local = SymbolicMoeScoring.LocalSuitability(experts, ["algebra", "algebra", "geometry", "zoology"]);
        AssertSequence([5, -4, 0], local);

        // only unknown keywords -> all 0
        AssertSequence([0, 0, 0], SymbolicMoeScoring.LocalSuitability(experts, ["zoology", "law"]));
        AssertSequence([0, 0, 0], SymbolicMoeScoring.LocalSuitability(experts, []));
    }

    [Fact]
    public void Combine_SomePositiveLocals_OnlyThoseAreWeighted()
    {
        // local [2, -1, 3], global [0.5, 0.3, 0.2]
        // weights: 2 * 0.5 = 1.0; local -1 not positive -> 0; 3 * 0.2 = 0.6; sum 1.6
        // probabilities [1.0 / 1.6, 0, 0.6 / 1.6] = [0.625, 0, 0.375]
        var w = SymbolicMoeScoring.Combine([2, -1, 3], [0.5, 0.3, 0.2]);
        AssertSequence([1.0, 0, 0.6], w.Weights);
        AssertSequence([0.625, 0, 0.375], w.Probabilities);
        Assert.False(w.UsedFallbackShift);
        Assert.False(w.IgnoredGlobalCompetence);
    }

    [Fact]
    public void Combine_ZeroLocalIsNotPositive()
    {
        // local [0, 4], global [0.9, 0.1]: only expert 1 is positive -> weights [0, 0.4] -> [0, 1]
        var w = SymbolicMoeScoring.Combine([0, 4], [0.9, 0.1]);
        AssertSequence([0, 0.4], w.Weights);
        AssertSequence([0, 1], w.Probabilities);
        Assert.False(w.UsedFallbackShift);
    }

    [Fact]
    public void Combine_AllNegativeLocals_FallbackShiftUsesEveryExpert()
    {
        // local [-3, -1, -2], global [0.5, 0.25, 0.25]; none positive -> shift by -(-3) + 1 = 4 -> [1, 3, 2]
        // weights [1 * 0.5, 3 * 0.25, 2 * 0.25] = [0.5, 0.75, 0.5]; sum 1.75
        // probabilities [0.5 / 1.75, 0.75 / 1.75, 0.5 / 1.75] = [2/7, 3/7, 2/7]
        var w = SymbolicMoeScoring.Combine([-3, -1, -2], [0.5, 0.25, 0.25]);
        Assert.True(w.UsedFallbackShift);
        AssertSequence([0.5, 0.75, 0.5], w.Weights);
        AssertSequence([2 / 7.0, 3 / 7.0, 2 / 7.0], w.Probabilities);
    }

    [Fact]
    public void Combine_AllZeroLocals_FallbackShiftGivesGlobal()
    {
        // local [0, 0] (e.g. unknown keywords): none positive -> shift by -0 + 1 = 1 -> [1, 1]
        // weights = global [0.8, 0.2]; sum 1 -> [0.8, 0.2]
        var w = SymbolicMoeScoring.Combine([0, 0], [0.8, 0.2]);
        Assert.True(w.UsedFallbackShift);
        AssertSequence([0.8, 0.2], w.Probabilities);
    }

    [Fact]
    public void Combine_PositiveLocalsAllWithZeroGlobal_DropsGlobalFactor()
    {
        // local [2, 0, 6], global [0, 1, 0]: positive experts 0 and 2 both have global 0 -> weights [0, 0, 0]
        // the global factor is dropped: probabilities = [2, 0, 6] / 8 = [0.25, 0, 0.75]
        var w = SymbolicMoeScoring.Combine([2, 0, 6], [0, 1, 0]);
        Assert.True(w.IgnoredGlobalCompetence);
        Assert.False(w.UsedFallbackShift);
        AssertSequence([0, 0, 0], w.Weights);
        AssertSequence([0.25, 0, 0.75], w.Probabilities);
    }

    [Fact]
    public void Combine_OneExpert()
    {
        // local [-5] -> fallback shift 6 -> [1]; global [1] -> weight 1 -> probability 1
        var w = SymbolicMoeScoring.Combine([-5], [1]);
        Assert.True(w.UsedFallbackShift);
        AssertSequence([1], w.Weights);
        AssertSequence([1], w.Probabilities);
    }

    [Fact]
    public void Combine_ValidatesInput()
    {
        Assert.Throws<ArgumentException>(() => SymbolicMoeScoring.Combine([1, 2], [1]));
        Assert.Throws<ArgumentException>(() => SymbolicMoeScoring.Combine([1], [-0.5]));
        Assert.Empty(SymbolicMoeScoring.Combine([], []).Probabilities);
    }

    [Fact]
    public void ExpertProfile_GlobalScoreIsSumOfKeywordScores()
    {
        // A: 3 + (-1) + 2 = 4
        var a = Profiles()[0];
        Assert.Equal(4, a.GlobalScore);
        Assert.Equal(0.75, a.Accuracy, Precision);
        Assert.Equal(0, Profiles()[2].GlobalScore);
    }

    internal static IReadOnlyList<ExpertProfile> Profiles() =>
    [
        new("A", new Dictionary<string, int> { ["algebra"] = 3, ["geometry"] = -1, ["calculus"] = 2 }, 6, 8),
        new("B", new Dictionary<string, int> { ["algebra"] = -2, ["biology"] = 4 }, 3, 6),
        new("C", new Dictionary<string, int>(), 0, 0),
    ];

    internal static void AssertSequence(IReadOnlyList<double> expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i], Precision);
        }
    }
}
