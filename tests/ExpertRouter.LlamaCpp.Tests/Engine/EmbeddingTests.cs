using ExpertRouter.LlamaCpp.Embeddings;

namespace ExpertRouter.LlamaCpp.Tests.Engine;

[Collection(LlamaGroup.Name)]
public sealed class EmbeddingTests(LlamaFixture fixture)
{
    [Fact]
    public async Task EmbeddingAlone_EqualsEmbeddingTogetherWithOthers()
    {
        using var generator = new LlamaEmbeddingGenerator(fixture.Model);
        var alone = await generator.GenerateAsync(["The mitochondria is the powerhouse of the cell."]);
        var together = await generator.GenerateAsync(["short", "The mitochondria is the powerhouse of the cell.", "a much longer sentence about contract law, torts and the economics of litigation"]);

        Assert.Equal(alone[0].Vector.ToArray(), together[1].Vector.ToArray());
        Assert.Equal(fixture.Model.EmbeddingDimensions, alone[0].Dimensions);
        var norm = Math.Sqrt(alone[0].Vector.ToArray().Sum(x => (double)x * x));
        Assert.Equal(1.0, norm, 4);
        Assert.NotEqual(together[0].Vector.ToArray(), together[2].Vector.ToArray());
        Assert.True(together.Usage!.InputTokenCount > 0);
    }

    [Fact]
    public async Task ConcurrentEmbeddingCalls_GiveTheSameVectors()
    {
        var texts = Enumerable.Range(0, 6).Select(i => $"query number {i} about algebra").ToArray();
        var expected = await fixture.Model.EmbedAsync(texts);
        var parallel = await Task.WhenAll(texts.Select(t => fixture.Model.EmbedAsync([t])));
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i], parallel[i][0]);
        }
    }

    [Fact]
    public async Task EmptyOrTooLongInput_IsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Model.EmbedAsync([""]));
        var huge = string.Join(' ', Enumerable.Repeat("word", 5000));
        await Assert.ThrowsAsync<PromptTooLongException>(() => fixture.Model.EmbedAsync([huge]));
    }
}
