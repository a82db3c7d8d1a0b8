namespace ExpertRouter.Core.Remote;

/// <summary>Timeouts and retries for remote OpenAI-compatible experts (section <c>ExpertRouter:Remote</c>).</summary>
public sealed class RemoteExpertOptions
{
    /// <summary>Per attempt: time to the first byte of the response.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Retries on transient failures (connection errors, 408, 429, 5xx), with exponential backoff.</summary>
    public int MaxRetries { get; set; } = 2;
}
