using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

/// <summary>OpenAI's error envelope: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public sealed class OpenAiErrorDto
{
    [JsonPropertyName("error")]
    public required OpenAiErrorBody Error { get; init; }
}
