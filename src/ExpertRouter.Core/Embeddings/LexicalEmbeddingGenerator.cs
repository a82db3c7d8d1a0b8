using System.Numerics.Tensors;
using System.Text;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Embeddings;

/// <summary>
/// The built-in lexical embedder, used when no embedding model is configured: deterministic, model-free, fast.
/// Each text is split into words (runs of letters and digits, lower-cased invariantly); every word contributes a
/// word feature and its character n-grams (3-5 by default) taken on "&lt;word&gt;" with boundary markers, so
/// "algebraic" is near "algebra" and "cardiology" partly near "cardiac". Feature counts are optionally damped to
/// 1 + ln(tf), hashed (FNV-1a over UTF-8 with a final mix; the hash picks the bucket and a ±1 sign) into a fixed
/// number of dimensions, and the vector is L2-normalised. A text without words gives the zero vector.
/// </summary>
public sealed class LexicalEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The provider name in <see cref="EmbeddingGeneratorMetadata"/>.</summary>
    public const string ProviderName = "expertrouter-lexical";

    private const byte WordKind = 1;
    private const byte NGramKind = 2;

    private readonly LexicalEmbeddingOptions _options;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Creates the embedder.</summary>
    /// <param name="options">Settings; null = defaults (512 dimensions, 3-5-grams, sublinear tf).</param>
    public LexicalEmbeddingGenerator(LexicalEmbeddingOptions? options = null)
    {
        _options = options ?? new LexicalEmbeddingOptions();
        if (_options.Dimensions <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Dimensions, "Dimensions must be positive.");
        }

        if (_options.MaxNGram < 0 || (_options.MaxNGram > 0 && (_options.MinNGram <= 0 || _options.MinNGram > _options.MaxNGram)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "N-gram sizes must satisfy 0 < MinNGram <= MaxNGram, or MaxNGram = 0.");
        }

        _metadata = new EmbeddingGeneratorMetadata(ProviderName, null, ModelIdFor(_options.Dimensions), _options.Dimensions);
    }

    /// <summary>The number of dimensions produced when the request does not ask for another.</summary>
    public int Dimensions => _options.Dimensions;

    /// <summary>
    /// Embeds every value. <see cref="EmbeddingGenerationOptions.Dimensions"/>, when set and positive, overrides
    /// the configured dimension for this call.
    /// </summary>
    /// <param name="values">Texts; null is treated as empty.</param>
    /// <param name="options">Request options.</param>
    /// <param name="cancellationToken">Checked between values.</param>
    /// <returns>One embedding per value, in order.</returns>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var dimensions = options?.Dimensions is int d && d > 0 ? d : _options.Dimensions;
        var modelId = ModelIdFor(dimensions);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(Embed(value, dimensions)) { ModelId = modelId });
        }

        return Task.FromResult(result);
    }

    /// <summary>Embeds one text synchronously.</summary>
    /// <param name="text">The text; null is treated as empty.</param>
    /// <returns>The L2-normalised vector (all zeros for a text without words).</returns>
    public float[] Embed(string? text) => Embed(text, _options.Dimensions);

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private float[] Embed(string? text, int dimensions)
    {
        var vector = new float[dimensions];
        if (string.IsNullOrEmpty(text))
        {
            return vector;
        }

        var counts = new Dictionary<ulong, int>();
        var word = new List<Rune>();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                word.Add(Rune.ToLowerInvariant(rune));
            }
            else if (word.Count > 0)
            {
                AddWord(word, counts);
                word.Clear();
            }
        }

        if (word.Count > 0)
        {
            AddWord(word, counts);
        }

        foreach (var (key, count) in counts)
        {
            // The low bit of the key carries the feature kind: 1 = word, 0 = n-gram (see Key).
            var weight = (key & 1) == 1 ? _options.WordWeight : _options.NGramWeight;
            var tf = _options.SublinearTf ? 1 + MathF.Log(count) : count;
            var mixed = StableHash.Mix(key);
            var bucket = (int)(mixed % (ulong)dimensions);
            var sign = (mixed >> 63) == 0 ? 1f : -1f;
            vector[bucket] += sign * weight * tf;
        }

        var norm = TensorPrimitives.Norm<float>(vector);
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }

        return vector;
    }

    private void AddWord(List<Rune> word, Dictionary<ulong, int> counts)
    {
        Span<Rune> marked = word.Count + 2 <= 128 ? stackalloc Rune[word.Count + 2] : new Rune[word.Count + 2];
        marked[0] = new Rune('<');
        for (var i = 0; i < word.Count; i++)
        {
            marked[i + 1] = word[i];
        }

        marked[^1] = new Rune('>');
        Count(counts, Key(WordKind, marked[1..^1]));
        if (_options.MaxNGram <= 0)
        {
            return;
        }

        for (var n = _options.MinNGram; n <= _options.MaxNGram; n++)
        {
            for (var start = 0; start + n <= marked.Length; start++)
            {
                Count(counts, Key(NGramKind, marked.Slice(start, n)));
            }
        }

        // A word shorter than the smallest n-gram still gets one n-gram: the whole marked word.
        if (marked.Length < _options.MinNGram)
        {
            Count(counts, Key(NGramKind, marked));
        }
    }

    private static ulong Key(byte kind, ReadOnlySpan<Rune> runes) => (StableHash.Hash(kind, runes) & ~1UL) | (kind == WordKind ? 1UL : 0UL);

    private static void Count(Dictionary<ulong, int> counts, ulong key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static string ModelIdFor(int dimensions) => $"lexical-hash-{dimensions}";
}
