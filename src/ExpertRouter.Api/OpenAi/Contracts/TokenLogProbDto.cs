using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class TokenLogProbDto
{
    [JsonPropertyName("token")]
    public required string Token { get; init; }

    [JsonPropertyName("logprob")]
    public float LogProb { get; init; }

    [JsonPropertyName("bytes")]
    public int[]? Bytes { get; init; }

    [JsonPropertyName("top_logprobs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<TokenLogProbDto>? TopLogProbs { get; init; }
}
