using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class EmbeddingDto
{
    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "embedding";

    [JsonPropertyName("index")]
    public int Index { get; init; }

    /// <summary>float[] or a base64 string, as asked.</summary>
    [JsonPropertyName("embedding")]
    public required object Embedding { get; init; }
}
