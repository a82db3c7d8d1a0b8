namespace ExpertRouter.Core.Experts;

/// <summary>A remote expert did not answer (down, refused, or timed out after retries); HTTP 503 / 504.</summary>
public sealed class ExpertUnavailableException : Exception
{
    public ExpertUnavailableException() { }

    public ExpertUnavailableException(string message) : base(message) { }

    public ExpertUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    public ExpertUnavailableException(string message, bool timedOut, int? upstreamStatus, Exception? innerException)
        : base(message, innerException)
    {
        TimedOut = timedOut;
        UpstreamStatus = upstreamStatus;
    }

    public bool TimedOut { get; }

    /// <summary>The remote's HTTP status when it answered with an error.</summary>
    public int? UpstreamStatus { get; }
}
