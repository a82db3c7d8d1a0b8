using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>One sequence to generate: an already tokenized prompt plus sampling and limits.</summary>
public sealed record GenerationRequest
{
    public required IReadOnlyList<LlamaToken> Prompt { get; init; }

    public SamplingOptions Sampling { get; init; } = SamplingOptions.Greedy;

    /// <summary>Maximum tokens to generate; null = until the sequence's context is full.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Generation stops before any of these strings; they are not part of the output.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>How many most likely alternatives (with log-probabilities) to report per token; 0 = none, max 20.</summary>
    public int TopLogProbs { get; init; }

    /// <summary>Stop at end-of-generation tokens (EOS/EOT). True by default.</summary>
    public bool StopAtEndOfGeneration { get; init; } = true;
}
