using ExpertRouter.LlamaCpp.Generation;

namespace ExpertRouter.LlamaCpp.Tests.Generation;

public sealed class TokenSamplerTests
{
    private static float[] Logits(params float[] v) => v;

    [Fact]
    public void Greedy_PicksMax_AndLowestIdOnTies()
    {
        var s = new TokenSampler(SamplingOptions.Greedy, []);
        var scratch = new SamplerScratch(5);
        Assert.Equal(2, s.Sample(Logits(0, 1, 5, 5, -1), scratch));
    }

    [Fact]
    public void TopK1_IsGreedy_AtAnyTemperature()
    {
        var s = new TokenSampler(new SamplingOptions { Temperature = 1.5f, TopK = 1, Seed = 7 }, []);
        var scratch = new SamplerScratch(4);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(3, s.Sample(Logits(1, 2, 3, 4), scratch));
        }
    }

    [Fact]
    public void TopP_KeepsOnlyTheNucleus()
    {
        // probabilities ~ 0.64, 0.24, 0.09, 0.03: top_p 0.5 keeps only token 0.
        var s = new TokenSampler(new SamplingOptions { Temperature = 1f, TopP = 0.5f, Seed = 1 }, []);
        var scratch = new SamplerScratch(4);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, s.Sample(Logits(3, 2, 1, 0), scratch));
        }
    }

    [Fact]
    public void MinP_DropsTokensBelowFractionOfTop()
    {
        var s = new TokenSampler(new SamplingOptions { Temperature = 1f, MinP = 0.5f, Seed = 3 }, []);
        var scratch = new SamplerScratch(3);
        var seen = new HashSet<int>();
        for (var i = 0; i < 200; i++)
        {
            seen.Add(s.Sample(Logits(2f, 2f - 0.1f, -5f), scratch));
        }

        Assert.Equal(new HashSet<int> { 0, 1 }, seen);
    }

    [Fact]
    public void Seed_MakesDrawsRepeatable()
    {
        var scratch = new SamplerScratch(6);
        var logits = Logits(1, 1.1f, 0.9f, 1.2f, 0.8f, 1f);
        List<int> Run(long seed)
        {
            var s = new TokenSampler(new SamplingOptions { Temperature = 1f, Seed = seed }, []);
            return Enumerable.Range(0, 40).Select(_ => s.Sample(logits, scratch)).ToList();
        }

        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }

    [Fact]
    public void RepetitionPenalty_MovesGreedyAwayFromRecentToken()
    {
        var s = new TokenSampler(SamplingOptions.Greedy with { RepetitionPenalty = 2f }, [0]);
        var scratch = new SamplerScratch(2);
        Assert.Equal(1, s.Sample(Logits(2f, 1.5f), scratch));
    }

    [Fact]
    public void Validate_RejectsOutOfRangeValues()
    {
        Assert.Throws<ArgumentException>(() => new SamplingOptions { Temperature = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new SamplingOptions { TopP = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new SamplingOptions { MinP = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new SamplingOptions { Temperature = float.NaN }.Validate());
        new SamplingOptions { Temperature = 2, TopP = 1, TopK = 40 }.Validate();
    }
}
