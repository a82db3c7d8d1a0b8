namespace ExpertRouter.Core.Profiling;

/// <summary>A profiling run cannot proceed; the message says why and what to change.</summary>
public sealed class ProfilingException : Exception
{
    public ProfilingException() { }

    public ProfilingException(string message) : base(message) { }

    public ProfilingException(string message, Exception innerException) : base(message, innerException) { }
}
