using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Tests.Routing;

public sealed class ExpertSelectionTests
{
    [Fact]
    public void TopP_04_OnKnownDistribution()
    {
        // probabilities [0.1, 0.35, 0.05, 0.3, 0.2]; sorted: #1 0.35, #3 0.3, #4 0.2, #0 0.1, #2 0.05
        // cumulative: 0.35 < 0.4 -> keep going; 0.35 + 0.3 = 0.65 >= 0.4 -> stop -> [1, 3]
        Assert.Equal([1, 3], ExpertSelection.TopP([0.1, 0.35, 0.05, 0.3, 0.2], 0.4));

        // a confident route: [0.5, 0.3, 0.2]; 0.5 >= 0.4 at once -> [0]
        Assert.Equal([0], ExpertSelection.TopP([0.5, 0.3, 0.2], 0.4));

        // exactly reaching p counts: [0.4, 0.3, 0.3] -> 0.4 >= 0.4 -> [0]
        Assert.Equal([0], ExpertSelection.TopP([0.4, 0.3, 0.3], 0.4));

        // floating point: 0.4 + 0.3 must reach 0.7 -> [3, 2]
        Assert.Equal([3, 2], ExpertSelection.TopP([0.1, 0.2, 0.3, 0.4], 0.7));
    }

    [Fact]
    public void TopP_Ties_LowerIndexFirst()
    {
        // uniform [0.25 x 4], p = 0.4: #0 (0.25) < 0.4, #1 -> 0.5 >= 0.4 -> [0, 1]
        Assert.Equal([0, 1], ExpertSelection.TopP([0.25, 0.25, 0.25, 0.25], 0.4));

        // [0.2, 0.3, 0.3, 0.2], p = 0.5: #1 0.3, #2 0.3 -> 0.6 >= 0.5 -> [1, 2]
        Assert.Equal([1, 2], ExpertSelection.TopP([0.2, 0.3, 0.3, 0.2], 0.5));
    }

    [Fact]
    public void TopP_AtLeastOne_NeverZeroProbabilityAfterFirst_Unnormalised()
    {
        Assert.Equal([1], ExpertSelection.TopP([0.2, 0.8], 0));
        Assert.Equal([0, 2], ExpertSelection.TopP([0.5, 0, 0.5], 1));

        // weights [1, 3] are used relative to their total 4: [0.25, 0.75]; p = 0.8 -> 0.75 < 0.8 -> [1, 0]
        Assert.Equal([1, 0], ExpertSelection.TopP([1, 3], 0.8));
        Assert.Empty(ExpertSelection.TopP([], 0.4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertSelection.TopP([1], 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertSelection.TopP([1], double.NaN));
    }

    [Fact]
    public void DrawK_KLargerThanExperts_WithReplacement_RepeatsExperts()
    {
        var drawn = ExpertSelection.DrawK([0.5, 0.5], 5, withReplacement: true, new Random(1));
        Assert.Equal(5, drawn.Count);
        Assert.All(drawn, i => Assert.InRange(i, 0, 1));
    }

    [Fact]
    public void DrawK_KLargerThanExperts_WithoutReplacement_ReturnsEveryPositiveExpertOnce()
    {
        // 2 experts have positive probability; k = 5 -> both of them, once each; #2 (p = 0) never
        var drawn = ExpertSelection.DrawK([0.5, 0.5, 0], 5, withReplacement: false, new Random(1));
        Assert.Equal([0, 1], drawn.Order());
    }

    [Fact]
    public void DrawK_OneExpert()
    {
        Assert.Equal([0, 0, 0], ExpertSelection.DrawK([1.0], 3, withReplacement: true, new Random(7)));
        Assert.Equal([0], ExpertSelection.DrawK([1.0], 3, withReplacement: false, new Random(7)));
    }

    [Fact]
    public void DrawK_EdgeCases()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertSelection.DrawK([1.0], 0, true, new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertSelection.DrawK([1.0], -1, false, new Random(1)));
        Assert.Throws<ArgumentException>(() => ExpertSelection.DrawK([1.0, -0.1], 1, true, new Random(1)));
        Assert.Empty(ExpertSelection.DrawK([0.0, 0.0], 2, true, new Random(1)));
        Assert.Empty(ExpertSelection.DrawK([], 2, false, new Random(1)));

        // zero-probability experts are never drawn
        Assert.All(ExpertSelection.DrawK([0, 1, 0], 50, true, new Random(3)), i => Assert.Equal(1, i));
    }

    [Fact]
    public void DrawK_SeededIsReproducible()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4];
        Assert.Equal(
            ExpertSelection.DrawK(p, 20, true, new Random(42)),
            ExpertSelection.DrawK(p, 20, true, new Random(42)));
        Assert.Equal(
            ExpertSelection.DrawK(p, 3, false, new Random(42)),
            ExpertSelection.DrawK(p, 3, false, new Random(42)));
    }

    [Fact]
    public void DrawK_WithReplacement_FrequenciesMatchProbabilities()
    {
        // 100 000 draws from [0.5, 0.3, 0.2]; standard error of a frequency <= sqrt(0.25 / 100000) ~ 0.0016,
        // so a tolerance of 0.01 is more than 6 standard errors.
        const int n = 100_000;
        var drawn = ExpertSelection.DrawK([0.5, 0.3, 0.2], n, withReplacement: true, new Random(12345));
        var freq = Frequencies(drawn, 3, n);
        Assert.Equal(0.5, freq[0], 0.01);
        Assert.Equal(0.3, freq[1], 0.01);
        Assert.Equal(0.2, freq[2], 0.01);
    }

    [Fact]
    public void DrawK_WithoutReplacement_SecondDrawRenormalises()
    {
        // p = [0.5, 0.3, 0.2], k = 2 without replacement.
        // first draw: P = p.
        // second draw = 0: first was 1 (0.3) then 0.5 / (1 - 0.3) = 0.5/0.7, or first was 2 (0.2) then 0.5 / 0.8
        //   = 0.3 * 0.5 / 0.7 + 0.2 * 0.5 / 0.8 = 0.2142857 + 0.125 = 0.3392857
        // second draw = 1: 0.5 * 0.3 / 0.5 + 0.2 * 0.3 / 0.8 = 0.3 + 0.075 = 0.375
        // second draw = 2: 0.5 * 0.2 / 0.5 + 0.3 * 0.2 / 0.7 = 0.2 + 0.0857143 = 0.2857143
        const int trials = 60_000;
        var random = new Random(2024);
        var first = new int[3];
        var second = new int[3];
        for (var t = 0; t < trials; t++)
        {
            var d = ExpertSelection.DrawK([0.5, 0.3, 0.2], 2, withReplacement: false, random);
            Assert.NotEqual(d[0], d[1]);
            first[d[0]]++;
            second[d[1]]++;
        }

        Assert.Equal(0.5, first[0] / (double)trials, 0.01);
        Assert.Equal(0.3, first[1] / (double)trials, 0.01);
        Assert.Equal(0.2, first[2] / (double)trials, 0.01);
        Assert.Equal(0.3392857, second[0] / (double)trials, 0.01);
        Assert.Equal(0.375, second[1] / (double)trials, 0.01);
        Assert.Equal(0.2857143, second[2] / (double)trials, 0.01);
    }

    [Fact]
    public void RandomK_DistinctAndUniform()
    {
        var random = new Random(99);
        Assert.Equal([0, 1, 2], ExpertSelection.RandomK(3, 10, random).Order());
        Assert.Empty(ExpertSelection.RandomK(0, 3, random));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertSelection.RandomK(3, 0, random));

        // k = 2 of 5: each expert is chosen with probability 2/5 = 0.4
        const int trials = 50_000;
        var counts = new int[5];
        for (var t = 0; t < trials; t++)
        {
            var chosen = ExpertSelection.RandomK(5, 2, random);
            Assert.Equal(2, chosen.Distinct().Count());
            foreach (var i in chosen)
            {
                counts[i]++;
            }
        }

        Assert.All(counts, c => Assert.Equal(0.4, c / (double)trials, 0.01));
    }

    private static double[] Frequencies(IReadOnlyList<int> drawn, int experts, int n)
    {
        var f = new double[experts];
        foreach (var i in drawn)
        {
            f[i] += 1.0 / n;
        }

        return f;
    }
}
