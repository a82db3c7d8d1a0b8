namespace ExpertRouter.Core.Embeddings;

/// <summary>Settings of <see cref="LexicalEmbeddingGenerator"/>.</summary>
public sealed record LexicalEmbeddingOptions
{
    /// <summary>Vector length (number of hash buckets); must be positive.</summary>
    public int Dimensions { get; init; } = 512;

    /// <summary>Shortest character n-gram, counted on the word with its boundary markers ('&lt;' and '&gt;').</summary>
    public int MinNGram { get; init; } = 3;

    /// <summary>Longest character n-gram; n-grams are disabled when 0.</summary>
    public int MaxNGram { get; init; } = 5;

    /// <summary>Use 1 + ln(tf) instead of the raw count tf of each feature.</summary>
    public bool SublinearTf { get; init; } = true;

    /// <summary>Weight of a whole-word (unigram) feature.</summary>
    public float WordWeight { get; init; } = 1f;

    /// <summary>Weight of a character n-gram feature.</summary>
    public float NGramWeight { get; init; } = 1f;
}
