using ExpertRouter.Core.Embeddings;
using ExpertRouter.Core.Routing;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Tests.Routing;

public sealed class KeywordMapperTests
{
    private static readonly string[] ProfileKeywords = ["algebra", "cardiology", "contract law", "molecular biology", "poetry"];

    [Fact]
    public async Task MapAsync_PicksNearestKeyword_WithLexicalEmbedder()
    {
        var mapper = new KeywordMapper(ProfileKeywords, new LexicalEmbeddingGenerator());
        var mapped = await mapper.MapAsync(["algebraic", "cardiac", "contracts", "biology of molecules", "poems"]);

        Assert.Equal(["algebra", "cardiology", "contract law", "molecular biology", "poetry"], mapped.Select(m => m.ProfileKeyword));
        Assert.Equal(["algebraic", "cardiac", "contracts", "biology of molecules", "poems"], mapped.Select(m => m.Keyword));
        Assert.All(mapped, m => Assert.InRange(m.Similarity, 0.05, 0.9999));
    }

    [Fact]
    public async Task MapAsync_ExactMatchShortCircuitsWithSimilarityOne()
    {
        var counting = new CountingGenerator(new LexicalEmbeddingGenerator());
        var mapper = new KeywordMapper(ProfileKeywords, counting);
        var mapped = await mapper.MapAsync(["algebra", "  Contract  Law. "]);

        Assert.Equal(["algebra", "contract law"], mapped.Select(m => m.ProfileKeyword));
        Assert.All(mapped, m => Assert.Equal(1.0, m.Similarity));
        Assert.Equal(0, counting.Calls); // nothing needed embedding
    }

    [Fact]
    public async Task MapAsync_EmbedsProfileKeywordsOnce_AcrossConcurrentCalls()
    {
        var counting = new CountingGenerator(new LexicalEmbeddingGenerator());
        var mapper = KeywordMapper.FromProfiles(
            [
                new ExpertProfile("a", new Dictionary<string, int> { ["algebra"] = 1, ["poetry"] = -1 }, 1, 2),
                new ExpertProfile("b", new Dictionary<string, int> { ["algebra"] = 2, ["cardiology"] = 1 }, 2, 2),
            ],
            counting);
        Assert.Equal(["algebra", "cardiology", "poetry"], mapper.ProfileKeywords);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => mapper.MapAsync(["algebraic", "cardiac"]))));

        Assert.All(results, r => Assert.Equal(["algebra", "cardiology"], r.Select(m => m.ProfileKeyword)));
        Assert.Equal(1, counting.ProfileCalls);
    }

    [Fact]
    public async Task MapAsync_EmptyProfileSet_GivesEmptyMapping()
    {
        var mapper = new KeywordMapper([], new LexicalEmbeddingGenerator());
        Assert.Empty(await mapper.MapAsync(["algebra"]));
    }

    [Fact]
    public async Task MapAsync_KeywordWithoutWords_IsUnmapped()
    {
        // "!!!" has no word -> zero vector -> no defined cosine -> null, similarity 0
        var mapper = new KeywordMapper(ProfileKeywords, new LexicalEmbeddingGenerator());
        var mapped = await mapper.MapAsync(["!!!"]);
        Assert.Null(Assert.Single(mapped).ProfileKeyword);
        Assert.Equal(0, mapped[0].Similarity);
    }

    [Fact]
    public async Task MapAsync_RetriesAfterFailedProfileEmbedding()
    {
        var flaky = new CountingGenerator(new LexicalEmbeddingGenerator()) { FailFirstProfileCall = true };
        var mapper = new KeywordMapper(ProfileKeywords, flaky);
        await Assert.ThrowsAsync<InvalidOperationException>(() => mapper.MapAsync(["cardiac"]));
        var mapped = await mapper.MapAsync(["cardiac"]);
        Assert.Equal("cardiology", mapped[0].ProfileKeyword);
    }

    private sealed class CountingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _calls;
        private int _profileCalls;

        public bool FailFirstProfileCall { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public int ProfileCalls => Volatile.Read(ref _profileCalls);

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = values.ToList();
            Interlocked.Increment(ref _calls);
            if (list.Contains("algebra") || list.Contains("cardiology"))
            {
                var n = Interlocked.Increment(ref _profileCalls);
                await Task.Delay(20, cancellationToken);
                if (FailFirstProfileCall && n == 1)
                {
                    throw new InvalidOperationException("embedder down");
                }
            }

            return await inner.GenerateAsync(list, options, cancellationToken);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

        public void Dispose() => inner.Dispose();
    }
}
