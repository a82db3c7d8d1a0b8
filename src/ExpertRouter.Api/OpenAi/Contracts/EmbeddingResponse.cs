using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class EmbeddingResponse
{
    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "list";

    [JsonPropertyName("data")]
    public required List<EmbeddingDto> Data { get; init; }

    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("usage")]
    public required EmbeddingUsageDto Usage { get; init; }
}
