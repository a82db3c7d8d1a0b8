namespace ExpertRouter.Core.Moe;

/// <summary>A routed model cannot answer yet (no profile, or none of its experts is registered); HTTP 409.</summary>
public sealed class MoeUnavailableException : Exception
{
    public MoeUnavailableException() { }

    public MoeUnavailableException(string message) : base(message) { }

    public MoeUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
