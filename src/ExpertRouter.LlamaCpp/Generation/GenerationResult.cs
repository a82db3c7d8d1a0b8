namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>The end of a sequence: full text, reason, counts and the mean self-certainty.</summary>
public sealed record GenerationResult(
    string Text,
    FinishReason FinishReason,
    int PromptTokens,
    int CompletionTokens,
    double MeanSelfCertainty,
    TimeSpan QueueTime,
    TimeSpan PromptTime,
    TimeSpan GenerationTime);
