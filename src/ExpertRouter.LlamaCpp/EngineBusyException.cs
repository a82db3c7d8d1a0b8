namespace ExpertRouter.LlamaCpp;

/// <summary>The model's request queue is full; retry later (HTTP 429).</summary>
public sealed class EngineBusyException : Exception
{
    public EngineBusyException() { }

    public EngineBusyException(string message) : base(message) { }

    public EngineBusyException(string message, Exception innerException) : base(message, innerException) { }
}
