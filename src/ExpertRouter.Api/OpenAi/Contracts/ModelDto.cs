using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

/// <summary>An entry of <c>GET /v1/models</c>.</summary>
public sealed class ModelDto
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "model";

    [JsonPropertyName("created")]
    public long Created { get; init; }

    [JsonPropertyName("owned_by")]
    public string OwnedBy { get; init; } = "expertrouter";

    /// <summary>ExpertRouter extension: expert (gguf/openai) or router, and state for local experts.</summary>
    [JsonPropertyName("expert_router")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? ExpertRouter { get; init; }
}
