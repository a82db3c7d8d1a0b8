using ExpertRouter.LlamaCpp.Generation;

namespace ExpertRouter.LlamaCpp.Tests.Generation;

public sealed class LogitStatisticsTests
{
    [Fact]
    public void SelfCertainty_IsZero_ForUniformLogits()
    {
        var logits = Enumerable.Repeat(0.25f, 1000).ToArray();
        var (lse, certainty) = LogitStatistics.Compute(logits, new float[1000]);
        Assert.Equal(0f, certainty, 4);
        Assert.Equal(0.25 + Math.Log(1000), lse, 3);
    }

    [Fact]
    public void SelfCertainty_MatchesDirectDefinition()
    {
        var rng = new Random(5);
        var logits = Enumerable.Range(0, 4096).Select(_ => (float)(rng.NextDouble() * 8 - 4)).ToArray();
        logits[17] = 12f;
        var (lse, certainty) = LogitStatistics.Compute(logits, new float[logits.Length]);

        // KL(U || p) = -(1/V) Σ log p_j - log V, in double precision.
        var max = logits.Max();
        var z = logits.Sum(l => Math.Exp(l - max));
        var logZ = max + Math.Log(z);
        var expected = -logits.Average(l => l - logZ) - Math.Log(logits.Length);
        Assert.Equal(logZ, lse, 3);
        Assert.Equal(expected, certainty, 3);
        Assert.True(certainty > 0);
    }

    [Fact]
    public void TopSelection_ReturnsDescendingWithLowIndexTieBreak()
    {
        float[] v = [1, 5, 3, 5, 2, 9];
        var idx = new int[3];
        var n = TopSelection.Select(v, 3, idx);
        Assert.Equal(3, n);
        Assert.Equal([5, 1, 3], idx);
    }
}
