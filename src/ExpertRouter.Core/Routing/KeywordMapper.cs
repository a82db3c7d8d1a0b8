using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Routing;

/// <summary>
/// Maps query keywords to the nearest keyword that exists in the profiles by cosine similarity of embeddings
/// (ALGORITHMS.md §1 step 4). The profile keywords are embedded once, on first use, and cached; the instance is
/// thread-safe. A failed or cancelled embedding of the profile keywords is retried by the next call.
/// </summary>
public sealed class KeywordMapper
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly string[] _profileKeywords;
    private readonly Dictionary<string, string> _exact;
    private Task<float[][]>? _profileEmbeddings;

    /// <summary>Creates a mapper over a set of profile keywords.</summary>
    /// <param name="profileKeywords">The keywords that exist in the profiles; duplicates and blanks are ignored. They are
    /// ordered ordinally, and that order breaks similarity ties (the first wins).</param>
    /// <param name="generator">The embedder (e.g. <see cref="Embeddings.LexicalEmbeddingGenerator"/>).</param>
    public KeywordMapper(IEnumerable<string> profileKeywords, IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        ArgumentNullException.ThrowIfNull(profileKeywords);
        ArgumentNullException.ThrowIfNull(generator);
        _generator = generator;
        _profileKeywords = profileKeywords
            .Where(k => !string.IsNullOrWhiteSpace(k))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
        _exact = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyword in _profileKeywords)
        {
            _exact.TryAdd(keyword, keyword);
        }

        foreach (var keyword in _profileKeywords)
        {
            if (MatchKey(keyword) is { } key)
            {
                _exact.TryAdd(key, keyword);
            }
        }
    }

    /// <summary>The profile keywords, in tie-breaking (ordinal) order.</summary>
    public IReadOnlyList<string> ProfileKeywords => _profileKeywords;

    /// <summary>Creates a mapper over every keyword of the given profiles.</summary>
    /// <param name="profiles">The pool's profiles.</param>
    /// <param name="generator">The embedder.</param>
    /// <returns>The mapper.</returns>
    public static KeywordMapper FromProfiles(IEnumerable<ExpertProfile> profiles, IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        return new KeywordMapper(profiles.SelectMany(p => p.KeywordScores.Keys), generator);
    }

    /// <summary>
    /// Maps every query keyword to its most cosine-similar profile keyword. A keyword equal to a profile keyword
    /// (ordinally, or after <see cref="KeywordNormalizer.NormalizeWithMaxLength"/> without length limit) maps to it with
    /// similarity 1 and is not embedded. A keyword whose embedding has no defined cosine with any profile keyword
    /// (a zero vector, e.g. from an empty string) gets a null profile keyword and similarity 0.
    /// </summary>
    /// <param name="queryKeywords">The query's keywords.</param>
    /// <param name="cancellationToken">Cancels the call (the shared profile embedding keeps running for later calls).</param>
    /// <returns>One entry per query keyword, in order; empty when the profile keyword set is empty.</returns>
    public async Task<IReadOnlyList<MappedKeyword>> MapAsync(IReadOnlyList<string> queryKeywords, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queryKeywords);
        if (_profileKeywords.Length == 0 || queryKeywords.Count == 0)
        {
            return [];
        }

        var result = new MappedKeyword?[queryKeywords.Count];
        var toEmbed = new List<string>();
        var embedIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new List<(int Position, int EmbedIndex)>();
        for (var i = 0; i < queryKeywords.Count; i++)
        {
            var keyword = queryKeywords[i] ?? string.Empty;
            var key = MatchKey(keyword);
            if (_exact.TryGetValue(keyword, out var hit) || (key is not null && _exact.TryGetValue(key, out hit)))
            {
                result[i] = new MappedKeyword(keyword, hit, 1.0);
                continue;
            }

            var text = key ?? keyword;
            if (!embedIndex.TryGetValue(text, out var index))
            {
                index = toEmbed.Count;
                embedIndex[text] = index;
                toEmbed.Add(text);
            }

            pending.Add((i, index));
        }

        if (pending.Count > 0)
        {
            var profileVectors = await GetProfileEmbeddingsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var queryVectors = await EmbedAsync(toEmbed, cancellationToken).ConfigureAwait(false);
            var best = new (string? Keyword, double Similarity)[queryVectors.Length];
            for (var q = 0; q < queryVectors.Length; q++)
            {
                best[q] = Nearest(queryVectors[q], profileVectors);
            }

            foreach (var (position, index) in pending)
            {
                var (keyword, similarity) = best[index];
                result[position] = new MappedKeyword(queryKeywords[position] ?? string.Empty, keyword, similarity);
            }
        }

        return result.Select(r => r!).ToArray();
    }

    private (string? Keyword, double Similarity) Nearest(float[] query, float[][] profileVectors)
    {
        string? bestKeyword = null;
        var bestSimilarity = double.NegativeInfinity;
        for (var p = 0; p < profileVectors.Length; p++)
        {
            if (profileVectors[p].Length != query.Length)
            {
                throw new InvalidOperationException($"The embedder returned vectors of {query.Length} and {profileVectors[p].Length} dimensions.");
            }

            double similarity = TensorPrimitives.CosineSimilarity(query, profileVectors[p]);
            if (double.IsNaN(similarity))
            {
                continue;
            }

            if (similarity > bestSimilarity)
            {
                bestSimilarity = similarity;
                bestKeyword = _profileKeywords[p];
            }
        }

        return bestKeyword is null ? (null, 0) : (bestKeyword, bestSimilarity);
    }

    private Task<float[][]> GetProfileEmbeddingsAsync()
    {
        while (true)
        {
            var current = Volatile.Read(ref _profileEmbeddings);
            if (current is not null && !current.IsFaulted && !current.IsCanceled)
            {
                return current;
            }

            var starter = new Task<Task<float[][]>>(() => EmbedAsync(_profileKeywords, CancellationToken.None));
            var fresh = starter.Unwrap();
            if (Interlocked.CompareExchange(ref _profileEmbeddings, fresh, current) == current)
            {
                starter.Start(TaskScheduler.Default);
                return fresh;
            }
        }
    }

    private async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var embeddings = await _generator.GenerateAsync(texts, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (embeddings.Count != texts.Count)
        {
            throw new InvalidOperationException($"The embedder returned {embeddings.Count} embeddings for {texts.Count} inputs.");
        }

        return embeddings.Select(e => e.Vector.ToArray()).ToArray();
    }

    private static string? MatchKey(string keyword) => KeywordNormalizer.NormalizeWithMaxLength(keyword, int.MaxValue);
}
