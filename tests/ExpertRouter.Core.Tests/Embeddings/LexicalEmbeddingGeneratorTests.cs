using System.Numerics.Tensors;
using System.Text;
using ExpertRouter.Core.Embeddings;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Tests.Embeddings;

public sealed class LexicalEmbeddingGeneratorTests
{
    [Fact]
    public async Task IdenticalTexts_GiveIdenticalVectors_AcrossInstances()
    {
        using var a = new LexicalEmbeddingGenerator();
        using var b = new LexicalEmbeddingGenerator();
        var first = await a.GenerateAsync(["Molecular biology of the cell", "Molecular biology of the cell"]);
        var second = await b.GenerateAsync(["Molecular biology of the cell"]);

        Assert.Equal(first[0].Vector.ToArray(), first[1].Vector.ToArray());
        Assert.Equal(first[0].Vector.ToArray(), second[0].Vector.ToArray());
        Assert.Equal(512, first[0].Vector.Length);
    }

    [Fact]
    public void Vectors_AreL2Normalised_AndCaseInsensitive()
    {
        using var g = new LexicalEmbeddingGenerator();
        var v = g.Embed("Contract law and torts");
        Assert.Equal(1f, TensorPrimitives.Norm<float>(v), 5);
        Assert.Equal(v, g.Embed("CONTRACT LAW, and   torts!"));
    }

    [Theory]
    [InlineData("algebra", "algebraic", "cardiology")]
    [InlineData("cardiology", "cardiac", "algebra")]
    [InlineData("contract law", "contracts", "molecular biology")]
    [InlineData("molecular biology", "biology of molecules", "number theory")]
    [InlineData("number theory", "theory of numbers", "organic chemistry")]
    public void RelatedWords_AreCloserThanUnrelated(string anchor, string related, string unrelated)
    {
        using var g = new LexicalEmbeddingGenerator();
        var a = g.Embed(anchor);
        var near = TensorPrimitives.CosineSimilarity(a, g.Embed(related));
        var far = TensorPrimitives.CosineSimilarity(a, g.Embed(unrelated));
        Assert.True(near > far + 0.1, $"{anchor}: {related} {near} vs {unrelated} {far}");
        Assert.True(near > 0.2, $"{anchor} ~ {related}: {near}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("?!.,;")]
    [InlineData(null)]
    public void TextWithoutWords_GivesZeroVectorWithoutNaN(string? text)
    {
        using var g = new LexicalEmbeddingGenerator();
        var v = g.Embed(text);
        Assert.Equal(512, v.Length);
        Assert.All(v, x => Assert.Equal(0f, x));
    }

    [Fact]
    public async Task DimensionOption_AndPerRequestDimensions()
    {
        using var g = new LexicalEmbeddingGenerator(new LexicalEmbeddingOptions { Dimensions = 64 });
        Assert.Equal(64, g.Embed("algebra").Length);
        Assert.Equal(64, g.Dimensions);

        var custom = await g.GenerateAsync(["algebra"], new EmbeddingGenerationOptions { Dimensions = 128 });
        Assert.Equal(128, custom[0].Vector.Length);
        Assert.Equal("lexical-hash-128", custom[0].ModelId);

        Assert.Throws<ArgumentOutOfRangeException>(() => new LexicalEmbeddingGenerator(new LexicalEmbeddingOptions { Dimensions = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LexicalEmbeddingGenerator(new LexicalEmbeddingOptions { MinNGram = 4, MaxNGram = 3 }));
    }

    [Fact]
    public void WordsOnlyOption_StillWorks_AndUnicodeIsHandled()
    {
        using var words = new LexicalEmbeddingGenerator(new LexicalEmbeddingOptions { MaxNGram = 0 });
        Assert.Equal(1f, TensorPrimitives.CosineSimilarity(words.Embed("law contract"), words.Embed("contract law")), 5);

        using var g = new LexicalEmbeddingGenerator();
        var v = g.Embed("Kardiologie für Ärzte 🫀 心臓病学");
        Assert.Equal(1f, TensorPrimitives.Norm<float>(v), 5);
        Assert.Equal(v, g.Embed("KARDIOLOGIE FÜR ÄRZTE 🫀 心臓病学"));
    }

    [Fact]
    public void Metadata_NamesTheBuiltInLexicalEmbedder()
    {
        using var g = new LexicalEmbeddingGenerator();
        var metadata = g.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("expertrouter-lexical", metadata.ProviderName);
        Assert.Equal(LexicalEmbeddingGenerator.ProviderName, metadata.ProviderName);
        Assert.Equal(512, metadata.DefaultModelDimensions);
        Assert.Same(g, g.GetService<LexicalEmbeddingGenerator>());
    }

    [Fact]
    public void StableHash_IsFnv1aOverUtf8()
    {
        // Published FNV-1a 64-bit test vectors: "a" -> 0xaf63dc4c8601ec8c, "foobar" -> 0x85944171f73967e8.
        // Hash(kind, runes) hashes the kind byte first, so kind = 'a' with no runes is FNV-1a("a").
        Assert.Equal(0xaf63dc4c8601ec8cUL, StableHash.Hash((byte)'a', ReadOnlySpan<Rune>.Empty));
        Assert.Equal(0x85944171f73967e8UL, StableHash.Hash((byte)'f', "oobar".EnumerateRunes().ToArray()));
    }

    [Fact]
    public async Task Cancellation_IsObserved()
    {
        using var g = new LexicalEmbeddingGenerator();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => g.GenerateAsync(["a"], cancellationToken: cts.Token));
    }
}
