namespace ExpertRouter.LlamaCpp;

/// <summary>The prompt (plus at least one generated token) does not fit a sequence's context.</summary>
public sealed class PromptTooLongException : Exception
{
    public PromptTooLongException() { }

    public PromptTooLongException(string message) : base(message) { }

    public PromptTooLongException(string message, Exception innerException) : base(message, innerException) { }

    public PromptTooLongException(int promptTokens, int contextTokens)
        : base($"The prompt is {promptTokens} tokens, but this model's context holds {contextTokens} tokens per sequence (the prompt plus the answer must fit). Shorten the prompt or load the model with a larger context.")
    {
        PromptTokens = promptTokens;
        ContextTokens = contextTokens;
    }

    public int PromptTokens { get; }

    public int ContextTokens { get; }
}
