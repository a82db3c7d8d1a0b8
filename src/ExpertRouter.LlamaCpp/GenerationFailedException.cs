namespace ExpertRouter.LlamaCpp;

/// <summary>llama.cpp failed while decoding (or the model was unloaded mid-generation).</summary>
public sealed class GenerationFailedException : Exception
{
    public GenerationFailedException() { }

    public GenerationFailedException(string message) : base(message) { }

    public GenerationFailedException(string message, Exception innerException) : base(message, innerException) { }
}
