namespace ExpertRouter.Core.Experts;

/// <summary>
/// A registered expert. For <see cref="ExpertKind.Gguf"/>: <see cref="Path"/> (inside a configured
/// model directory). For <see cref="ExpertKind.OpenAi"/>: <see cref="BaseUrl"/>, <see cref="Model"/>
/// and optionally <see cref="ApiKeySetting"/>, the name of the configuration key (or environment
/// variable) holding the API key: keys themselves are never stored in the database.
/// </summary>
public sealed record ExpertDefinition
{
    public required string Id { get; init; }

    public string? DisplayName { get; init; }

    public ExpertKind Kind { get; init; }

    public string? Path { get; init; }

    public string? BaseUrl { get; init; }

    public string? Model { get; init; }

    public string? ApiKeySetting { get; init; }

    /// <summary>Tokens per sequence; null = min(model's training context, 4096).</summary>
    public int? ContextSize { get; init; }

    /// <summary>Layers to offload to the GPU; null = all when a GPU is present.</summary>
    public int? GpuLayers { get; init; }

    /// <summary>Sequences decoded together (continuous batching slots); null = service default.</summary>
    public int? MaxSequences { get; init; }

    public ExpertSampling Sampling { get; init; } = new();

    /// <summary>Free text: what this expert is good at (used by description-based routing).</summary>
    public string? Description { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Pinned experts are loaded at start-up and never evicted.</summary>
    public bool Pinned { get; init; }

    public ExpertSource Source { get; init; } = ExpertSource.Api;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
