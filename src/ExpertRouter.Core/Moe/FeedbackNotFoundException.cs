namespace ExpertRouter.Core.Moe;

/// <summary>Feedback for an answer id that was never routed (or was forgotten); HTTP 404.</summary>
public sealed class FeedbackNotFoundException : Exception
{
    public FeedbackNotFoundException() { }

    public FeedbackNotFoundException(string message) : base(message) { }

    public FeedbackNotFoundException(string message, Exception innerException) : base(message, innerException) { }
}
