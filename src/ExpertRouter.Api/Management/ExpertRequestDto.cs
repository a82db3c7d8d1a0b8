using ExpertRouter.Core.Experts;

namespace ExpertRouter.Api.Management;

/// <summary>
/// Body of <c>POST /api/experts</c> and <c>PUT /api/experts/{id}</c>. Local: <c>{"id","kind":"gguf","path"}</c>
/// (path relative to the first model directory, or absolute inside one). Remote:
/// <c>{"id","kind":"openai","baseUrl","model","apiKeySetting"}</c> where apiKeySetting names the
/// configuration key or environment variable that holds the key.
/// </summary>
public sealed class ExpertRequestDto
{
    /// <example>my-math-expert</example>
    public string? Id { get; set; }

    /// <summary>gguf or openai.</summary>
    /// <example>gguf</example>
    public string? Kind { get; set; }

    public string? DisplayName { get; set; }

    /// <example>qwen2.5-math-7b-instruct-q4_k_m.gguf</example>
    public string? Path { get; set; }

    public string? BaseUrl { get; set; }

    public string? Model { get; set; }

    public string? ApiKeySetting { get; set; }

    public int? ContextSize { get; set; }

    public int? GpuLayers { get; set; }

    public int? MaxSequences { get; set; }

    public ExpertSampling? Sampling { get; set; }

    /// <example>Strong at algebra and competition math; weak at law.</example>
    public string? Description { get; set; }

    public List<string>? Tags { get; set; }

    public bool? Pinned { get; set; }

    public ExpertDefinition ToDefinition(string? idOverride = null)
    {
        var kind = Kind?.ToLowerInvariant() switch
        {
            "gguf" => ExpertKind.Gguf,
            "openai" => ExpertKind.OpenAi,
            null => throw new Experts.ExpertValidationException("'kind' is required: 'gguf' or 'openai'.", "kind"),
            _ => throw new Experts.ExpertValidationException($"'kind' must be 'gguf' or 'openai' (got '{Kind}').", "kind"),
        };
        return new ExpertDefinition
        {
            Id = idOverride ?? Id ?? throw new Experts.ExpertValidationException("'id' is required.", "id"),
            Kind = kind,
            DisplayName = DisplayName,
            Path = Path,
            BaseUrl = BaseUrl,
            Model = Model,
            ApiKeySetting = ApiKeySetting,
            ContextSize = ContextSize,
            GpuLayers = GpuLayers,
            MaxSequences = MaxSequences,
            Sampling = Sampling ?? new ExpertSampling(),
            Description = Description,
            Tags = Tags ?? [],
            Pinned = Pinned ?? false,
            Source = ExpertSource.Api,
        };
    }
}
