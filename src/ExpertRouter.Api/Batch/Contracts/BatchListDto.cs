using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>A page of batches, newest first (<c>object: "list"</c>).</summary>
public sealed class BatchListDto
{
    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "list";

    [JsonPropertyName("data")]
    public required List<BatchObjectDto> Data { get; init; }

    [JsonPropertyName("first_id")]
    public string? FirstId { get; init; }

    [JsonPropertyName("last_id")]
    public string? LastId { get; init; }

    [JsonPropertyName("has_more")]
    public bool HasMore { get; init; }
}
