using System.Text.Json.Serialization;

namespace ExpertRouter.Api.Batch.Contracts;

/// <summary>Request lines of a batch: all of them, those answered with 2xx, those that failed.</summary>
public sealed class BatchRequestCountsDto
{
    [JsonPropertyName("total")]
    public int Total { get; init; }

    [JsonPropertyName("completed")]
    public int Completed { get; init; }

    [JsonPropertyName("failed")]
    public int Failed { get; init; }
}
