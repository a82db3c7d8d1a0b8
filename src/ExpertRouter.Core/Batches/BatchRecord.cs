namespace ExpertRouter.Core.Batches;

/// <summary>A batch as stored (OpenAI's batch object; the job that executes it has the same id).</summary>
public sealed record BatchRecord
{
    public required string Id { get; init; }

    /// <summary><c>/v1/chat/completions</c> or <c>/v1/embeddings</c>.</summary>
    public required string Endpoint { get; init; }

    public required string InputFileId { get; init; }

    public string CompletionWindow { get; init; } = "24h";

    public string Status { get; init; } = BatchStatuses.Validating;

    public string? OutputFileId { get; init; }

    public string? ErrorFileId { get; init; }

    /// <summary>OpenAI's <c>errors</c> object as JSON (<c>{"object":"list","data":[{code,message,param,line}]}</c>), or null.</summary>
    public string? Errors { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public int Total { get; init; }

    public int Completed { get; init; }

    public int Failed { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? InProgressAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? FinalizingAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public DateTimeOffset? FailedAt { get; init; }

    public DateTimeOffset? ExpiredAt { get; init; }

    public DateTimeOffset? CancellingAt { get; init; }

    public DateTimeOffset? CancelledAt { get; init; }
}
