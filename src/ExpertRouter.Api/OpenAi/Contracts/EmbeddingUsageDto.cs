using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class EmbeddingUsageDto
{
    [JsonPropertyName("prompt_tokens")]
    public long PromptTokens { get; init; }

    [JsonPropertyName("total_tokens")]
    public long TotalTokens { get; init; }
}
