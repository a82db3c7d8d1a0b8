using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

/// <summary>
/// Body of <c>POST /v1/chat/completions</c> (OpenAI's shape). Extensions: <c>top_k</c>, <c>min_p</c>,
/// <c>repetition_penalty</c>, <c>ignore_eos</c>; routed virtual models read their overrides from the extra fields.
/// </summary>
public sealed class ChatCompletionRequest
{
    /// <example>demo-general</example>
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    [JsonPropertyName("messages")]
    public List<ChatMessageDto>? Messages { get; set; }

    /// <example>64</example>
    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; set; }

    [JsonPropertyName("max_completion_tokens")]
    public int? MaxCompletionTokens { get; set; }

    /// <example>0</example>
    [JsonPropertyName("temperature")]
    public float? Temperature { get; set; }

    [JsonPropertyName("top_p")]
    public float? TopP { get; set; }

    [JsonPropertyName("top_k")]
    public int? TopK { get; set; }

    [JsonPropertyName("min_p")]
    public float? MinP { get; set; }

    [JsonPropertyName("repetition_penalty")]
    public float? RepetitionPenalty { get; set; }

    /// <summary>Extension: keep generating past end-of-sequence tokens until the token limit (benchmarks).</summary>
    [JsonPropertyName("ignore_eos")]
    public bool? IgnoreEos { get; set; }

    [JsonPropertyName("frequency_penalty")]
    public float? FrequencyPenalty { get; set; }

    [JsonPropertyName("presence_penalty")]
    public float? PresencePenalty { get; set; }

    [JsonPropertyName("seed")]
    public long? Seed { get; set; }

    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("stop")]
    public JsonElement? Stop { get; set; }

    [JsonPropertyName("n")]
    public int? N { get; set; }

    [JsonPropertyName("stream")]
    public bool? Stream { get; set; }

    [JsonPropertyName("stream_options")]
    public StreamOptionsDto? StreamOptions { get; set; }

    [JsonPropertyName("logprobs")]
    public bool? LogProbs { get; set; }

    [JsonPropertyName("top_logprobs")]
    public int? TopLogProbs { get; set; }

    [JsonPropertyName("user")]
    public string? User { get; set; }

    /// <summary>Any other field (router overrides such as <c>k</c>, <c>routing_top_p</c>, <c>aggregation</c>).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
