namespace ExpertRouter.LlamaCpp;

/// <summary>llama.cpp refused to load a model or create its context; the message says why where llama.cpp logged it.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException() { }

    public ModelLoadException(string message) : base(message) { }

    public ModelLoadException(string message, Exception innerException) : base(message, innerException) { }
}
