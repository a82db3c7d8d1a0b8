using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>OpenAI's file object (<c>object: "file"</c>).</summary>
public sealed class FileObjectDto
{
    /// <example>file-2f6c1a9e0b7d4c3f8e5a1b2c3d4e5f60</example>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "file";

    /// <summary>Size in bytes.</summary>
    [JsonPropertyName("bytes")]
    public long Bytes { get; init; }

    /// <summary>Unix seconds.</summary>
    [JsonPropertyName("created_at")]
    public long CreatedAt { get; init; }

    [JsonPropertyName("expires_at")]
    public long? ExpiresAt { get; init; }

    /// <example>requests.jsonl</example>
    [JsonPropertyName("filename")]
    public required string Filename { get; init; }

    /// <summary><c>batch</c> for batch input, <c>batch_output</c> for generated output and error files; other purposes are stored as given.</summary>
    [JsonPropertyName("purpose")]
    public required string Purpose { get; init; }

    [JsonPropertyName("status")]
    public string Status { get; init; } = "processed";

    [JsonPropertyName("status_details")]
    public string? StatusDetails { get; init; }
}
