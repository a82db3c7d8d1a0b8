using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>One line of a batch's output or error file: <c>{"id","custom_id","response":{...},"error":null}</c> or with <c>"error":{"code","message"}</c>.</summary>
public sealed class BatchOutputLineDto
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("custom_id")]
    public string? CustomId { get; init; }

    [JsonPropertyName("response")]
    public BatchLineResponseDto? Response { get; init; }

    [JsonPropertyName("error")]
    public BatchLineErrorDto? Error { get; init; }
}
