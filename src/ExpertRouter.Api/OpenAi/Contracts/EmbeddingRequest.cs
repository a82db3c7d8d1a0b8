using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

/// <summary>Body of <c>POST /v1/embeddings</c>.</summary>
public sealed class EmbeddingRequest
{
    /// <example>demo-general</example>
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("input")]
    public JsonElement? Input { get; set; }

    /// <summary>float (default) or base64 (little-endian float32).</summary>
    [JsonPropertyName("encoding_format")]
    public string? EncodingFormat { get; set; }

    [JsonPropertyName("dimensions")]
    public int? Dimensions { get; set; }

    [JsonPropertyName("user")]
    public string? User { get; set; }
}
