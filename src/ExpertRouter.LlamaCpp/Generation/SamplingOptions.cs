namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// How the next token is chosen. Temperature 0 is greedy (deterministic, ties to the lowest id).
/// Otherwise: repetition penalty, temperature, top-k, top-p, min-p, then a seeded draw.
/// </summary>
public sealed record SamplingOptions
{
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    /// <summary>0 = greedy; allowed 0..2 (OpenAI's range).</summary>
    public float Temperature { get; init; } = 0.8f;

    /// <summary>0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>1 = off; (0, 1].</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>0 = off; [0, 1).</summary>
    public float MinP { get; init; }

    /// <summary>1 = off; penalises tokens seen in the last <see cref="RepetitionLastN"/> tokens (llama.cpp semantics).</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    public int RepetitionLastN { get; init; } = 64;

    /// <summary>OpenAI-style additive penalties over the generated tokens; 0 = off; [-2, 2].</summary>
    public float FrequencyPenalty { get; init; }

    public float PresencePenalty { get; init; }

    /// <summary>Seed of the draw; null = random. Same seed + same prompt + same model = same output.</summary>
    public long? Seed { get; init; }

    public bool IsGreedy => Temperature <= 0f;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string name, object value, string range)
        {
            if (!ok)
            {
                throw new ArgumentException($"{name} = {value} is out of range; allowed {range}.", name);
            }
        }

        Check(float.IsFinite(Temperature) && Temperature is >= 0 and <= 2, "temperature", Temperature, "0..2");
        Check(TopK is >= 0 and <= 100_000, "top_k", TopK, "0..100000");
        Check(float.IsFinite(TopP) && TopP is > 0 and <= 1, "top_p", TopP, "(0, 1]");
        Check(float.IsFinite(MinP) && MinP is >= 0 and < 1, "min_p", MinP, "[0, 1)");
        Check(float.IsFinite(RepetitionPenalty) && RepetitionPenalty is > 0 and <= 10, "repetition_penalty", RepetitionPenalty, "(0, 10]");
        Check(RepetitionLastN is >= 0 and <= 1 << 20, "repetition_last_n", RepetitionLastN, "0..1048576");
        Check(float.IsFinite(FrequencyPenalty) && FrequencyPenalty is >= -2 and <= 2, "frequency_penalty", FrequencyPenalty, "-2..2");
        Check(float.IsFinite(PresencePenalty) && PresencePenalty is >= -2 and <= 2, "presence_penalty", PresencePenalty, "-2..2");
    }
}
