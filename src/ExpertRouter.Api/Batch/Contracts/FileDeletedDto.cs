using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>The answer to <c>DELETE /v1/files/{id}</c>.</summary>
public sealed class FileDeletedDto
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "file";

    [JsonPropertyName("deleted")]
    public bool Deleted { get; init; }
}
