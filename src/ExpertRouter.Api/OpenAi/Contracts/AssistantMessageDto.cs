using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class AssistantMessageDto
{
    [JsonPropertyName("role")]
    public string Role { get; init; } = "assistant";

    [JsonPropertyName("content")]
    public string? Content { get; init; }

    [JsonPropertyName("refusal")]
    public string? Refusal { get; init; }
}
