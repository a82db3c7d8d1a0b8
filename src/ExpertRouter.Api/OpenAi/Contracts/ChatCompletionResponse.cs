using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

/// <summary>A chat completion (<c>object: chat.completion</c>), or one streamed chunk (<c>chat.completion.chunk</c>).</summary>
public sealed class ChatCompletionResponse
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string ObjectType { get; init; } = "chat.completion";

    [JsonPropertyName("created")]
    public long Created { get; init; }

    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("system_fingerprint")]
    public string? SystemFingerprint { get; init; }

    [JsonPropertyName("choices")]
    public required List<ChatChoiceDto> Choices { get; init; }

    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public UsageDto? Usage { get; set; }

    /// <summary>ExpertRouter extension: which expert(s) answered and why (routing explanation for routed models).</summary>
    [JsonPropertyName("expert_router")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public object? ExpertRouter { get; set; }
}
