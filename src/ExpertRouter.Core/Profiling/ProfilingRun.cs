namespace ExpertRouter.Core.Profiling;

/// <summary>A profiling run as stored: what it profiles, how, and how far it got.</summary>
public sealed record ProfilingRun
{
    public required string Id { get; init; }

    public required string ValidationSetId { get; init; }

    /// <summary>The profile (task) this run produces a new version of.</summary>
    public required string ProfileId { get; init; }

    public ProfilingStatus Status { get; init; } = ProfilingStatus.Queued;

    public ProfilingSettings Settings { get; init; } = new();

    public ProfilingProgress Progress { get; init; } = new();

    public string? Error { get; init; }

    public int? ProfileVersion { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
