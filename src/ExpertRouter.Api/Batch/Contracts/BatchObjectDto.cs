using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>OpenAI's batch object (<c>object: "batch"</c>); timestamps are Unix seconds.</summary>
public sealed class BatchObjectDto
{
    /// <example>batch_5d0c6f8a3b2e4f1a9c7d8e6f5a4b3c2d</example>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "batch";

    /// <example>/v1/chat/completions</example>
    [JsonPropertyName("endpoint")]
    public required string Endpoint { get; init; }

    /// <summary>Problems found while validating the input (malformed lines with their line numbers), as OpenAI's <c>{"object":"list","data":[...]}</c>.</summary>
    [JsonPropertyName("errors")]
    public JsonElement? Errors { get; init; }

    [JsonPropertyName("input_file_id")]
    public required string InputFileId { get; init; }

    [JsonPropertyName("completion_window")]
    public required string CompletionWindow { get; init; }

    /// <summary>validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("output_file_id")]
    public string? OutputFileId { get; init; }

    [JsonPropertyName("error_file_id")]
    public string? ErrorFileId { get; init; }

    [JsonPropertyName("created_at")]
    public long CreatedAt { get; init; }

    [JsonPropertyName("in_progress_at")]
    public long? InProgressAt { get; init; }

    [JsonPropertyName("expires_at")]
    public long? ExpiresAt { get; init; }

    [JsonPropertyName("finalizing_at")]
    public long? FinalizingAt { get; init; }

    [JsonPropertyName("completed_at")]
    public long? CompletedAt { get; init; }

    [JsonPropertyName("failed_at")]
    public long? FailedAt { get; init; }

    [JsonPropertyName("expired_at")]
    public long? ExpiredAt { get; init; }

    [JsonPropertyName("cancelling_at")]
    public long? CancellingAt { get; init; }

    [JsonPropertyName("cancelled_at")]
    public long? CancelledAt { get; init; }

    [JsonPropertyName("request_counts")]
    public required BatchRequestCountsDto RequestCounts { get; init; }

    [JsonPropertyName("metadata")]
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>ExpertRouter extension: the job executing the batch (<c>/api/jobs/{id}</c>) and its progress per phase and expert.</summary>
    [JsonPropertyName("expert_router")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? ExpertRouter { get; init; }
}
