using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>The HTTP response a batch line got: status, request id and the body the endpoint would have returned online.</summary>
public sealed class BatchLineResponseDto
{
    [JsonPropertyName("status_code")]
    public int StatusCode { get; init; }

    [JsonPropertyName("request_id")]
    public required string RequestId { get; init; }

    [JsonPropertyName("body")]
    public required object Body { get; init; }
}
