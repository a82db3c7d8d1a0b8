using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>Body of <c>POST /v1/batches</c>.</summary>
public sealed class CreateBatchRequest
{
    /// <summary>An uploaded file with purpose <c>batch</c>: one request per line.</summary>
    [JsonPropertyName("input_file_id")]
    public string? InputFileId { get; set; }

    /// <example>/v1/chat/completions</example>
    [JsonPropertyName("endpoint")]
    public string? Endpoint { get; set; }

    /// <example>24h</example>
    [JsonPropertyName("completion_window")]
    public string? CompletionWindow { get; set; }

    /// <summary>Up to 16 string pairs (keys up to 64, values up to 512 characters).</summary>
    [JsonPropertyName("metadata")]
    public Dictionary<string, string>? Metadata { get; set; }
}
