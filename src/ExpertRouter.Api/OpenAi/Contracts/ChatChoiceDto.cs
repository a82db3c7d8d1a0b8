using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class ChatChoiceDto
{
    [JsonPropertyName("index")]
    public int Index { get; init; }

    /// <summary>Set in a full completion.</summary>
    [JsonPropertyName("message")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AssistantMessageDto? Message { get; init; }

    /// <summary>Set in a streamed chunk.</summary>
    [JsonPropertyName("delta")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeltaDto? Delta { get; init; }

    [JsonPropertyName("logprobs")]
    public LogProbsDto? LogProbs { get; init; }

    /// <summary>stop, length (or null in a chunk that does not end the choice).</summary>
    [JsonPropertyName("finish_reason")]
    public string? FinishReason { get; init; }
}
