using ExpertRouter.Core.Experts;
using ExpertRouter.LlamaCpp.Generation;
using ExpertRouter.LlamaCpp.Hosting;

namespace ExpertRouter.Api.Management;

/// <summary>An expert as the management API shows it: definition, runtime state and (for one expert) GGUF metadata.</summary>
public sealed class ExpertDto
{
    public required string Id { get; init; }

    public string? DisplayName { get; init; }

    public required string Kind { get; init; }

    public string? Path { get; init; }

    public string? BaseUrl { get; init; }

    public string? Model { get; init; }

    public string? ApiKeySetting { get; init; }

    public int? ContextSize { get; init; }

    public int? GpuLayers { get; init; }

    public int? MaxSequences { get; init; }

    public required ExpertSampling Sampling { get; init; }

    public string? Description { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    public bool Pinned { get; init; }

    public required string Source { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>unloaded / loading / resident / idle / failed (local), remote.</summary>
    public required string State { get; init; }

    public RuntimeDto? Runtime { get; init; }

    public GgufMetadataDto? Metadata { get; init; }

    public static ExpertDto From(ExpertDefinition e, ModelStatus? status, GgufMetadataDto? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new ExpertDto
        {
            Id = e.Id,
            DisplayName = e.DisplayName,
            Kind = e.Kind.ToString().ToLowerInvariant(),
            Path = e.Path,
            BaseUrl = e.BaseUrl,
            Model = e.Model,
            ApiKeySetting = e.ApiKeySetting,
            ContextSize = e.ContextSize,
            GpuLayers = e.GpuLayers,
            MaxSequences = e.MaxSequences,
            Sampling = e.Sampling,
            Description = e.Description,
            Tags = e.Tags,
            Pinned = e.Pinned,
            Source = e.Source.ToString().ToLowerInvariant(),
            CreatedAt = e.CreatedAt,
            UpdatedAt = e.UpdatedAt,
            State = e.Kind == ExpertKind.OpenAi ? "remote" : status?.DisplayState ?? "unloaded",
            Runtime = status is null ? null : new RuntimeDto
            {
                ActiveRequests = status.ActiveLeases,
                ReservedBytes = status.ReservedBytes,
                LastUsed = status.LastUsed,
                Loads = status.Loads,
                Evictions = status.Evictions,
                Error = status.Error,
                Decode = status.Stats,
            },
            Metadata = metadata,
        };
    }
}

public sealed class RuntimeDto
{
    public int ActiveRequests { get; init; }

    public long ReservedBytes { get; init; }

    public DateTimeOffset? LastUsed { get; init; }

    public int Loads { get; init; }

    public int Evictions { get; init; }

    public string? Error { get; init; }

    /// <summary>Decode-loop counters: sharedSteps counts steps that advanced several requests together.</summary>
    public DecodeLoopStats? Decode { get; init; }
}
