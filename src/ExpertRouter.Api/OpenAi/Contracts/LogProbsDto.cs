using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class LogProbsDto
{
    [JsonPropertyName("content")]
    public required List<TokenLogProbDto> Content { get; init; }

    [JsonPropertyName("refusal")]
    public List<TokenLogProbDto>? Refusal { get; init; }
}
