using System.Text.Json;
using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Api.Jobs;

/// <summary>A job of the durable queue as <c>/api/jobs</c> shows it (progress and payload as JSON).</summary>
public sealed record JobDto
{
    public required string Id { get; init; }

    /// <summary>batch or profiling.</summary>
    public required string Kind { get; init; }

    /// <summary>queued, running, completed, failed, cancelled.</summary>
    public JobStatus Status { get; init; }

    public int Attempts { get; init; }

    public int MaxAttempts { get; init; }

    /// <summary>The worker (machine:pid:guid) holding the lease while running, the last holder afterwards.</summary>
    public string? Worker { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    public DateTimeOffset? HeartbeatAt { get; init; }

    public bool CancelRequested { get; init; }

    /// <summary>Set by the handler: for batches the phase, lines done/total, and per expert lines done, throughput and ETA.</summary>
    public JsonElement? Progress { get; init; }

    public JsonElement? Payload { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset RunAfter { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public static JobDto From(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JobDto
        {
            Id = job.Id,
            Kind = job.Kind,
            Status = job.Status,
            Attempts = job.Attempts,
            MaxAttempts = job.MaxAttempts,
            Worker = job.LeaseOwner,
            LeaseExpiresAt = job.LeaseExpiresAt,
            HeartbeatAt = job.HeartbeatAt,
            CancelRequested = job.CancelRequested,
            Progress = Parse(job.Progress),
            Payload = Parse(job.Payload),
            Error = job.Error,
            RunAfter = job.RunAfter,
            CreatedAt = job.CreatedAt,
            StartedAt = job.StartedAt,
            FinishedAt = job.FinishedAt,
        };
    }

    /// <summary>Stored JSON as an element (a string element when it is not JSON); null when there is none.</summary>
    internal static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json);
        }
    }
}
