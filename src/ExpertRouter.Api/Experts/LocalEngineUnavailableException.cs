namespace ExpertRouter.Api.Experts;

/// <summary>llama.cpp is not loaded (still starting, or failed to start); HTTP 503.</summary>
public sealed class LocalEngineUnavailableException : Exception
{
    public LocalEngineUnavailableException() { }

    public LocalEngineUnavailableException(string message) : base(message) { }

    public LocalEngineUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
