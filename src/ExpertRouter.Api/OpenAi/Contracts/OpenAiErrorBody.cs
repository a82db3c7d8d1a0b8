using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

public sealed class OpenAiErrorBody
{
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>invalid_request_error, not_found_error, rate_limit_error, server_error, ...</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("param")]
    public string? Param { get; init; }

    [JsonPropertyName("code")]
    public string? Code { get; init; }
}
