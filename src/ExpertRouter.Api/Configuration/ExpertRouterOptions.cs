using ExpertRouter.Core.Experts;

namespace ExpertRouter.Api.Configuration;

/// <summary>Top-level settings (section <c>ExpertRouter</c>). Bad values fail start-up with a message naming the setting.</summary>
public sealed class ExpertRouterOptions
{
    public const string Section = "ExpertRouter";

    /// <summary>Where the SQLite database, generated demo models and uploaded files live.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// Folders local GGUF experts may be registered from (paths outside are refused). Relative paths
    /// are resolved against the working directory. <c>{DataDirectory}/models</c> is always included.
    /// </summary>
    public List<string> ModelDirectories { get; set; } = [];

    /// <summary>Generate and register small demo experts when no expert is configured or registered.</summary>
    public bool DemoExperts { get; set; } = true;

    /// <summary>Experts from configuration; synced into the registry at start-up.</summary>
    public List<ExpertDefinition> Experts { get; set; } = [];

    /// <summary>Default sequences decoded together per local model.</summary>
    public int DefaultMaxSequences { get; set; } = 8;

    /// <summary>Requests that may wait for a sequence slot of one local model before new ones get 429.</summary>
    public int MaxQueuedRequests { get; set; } = 256;

    /// <summary>Default tokens per sequence for local models (null = min(training context, 4096)).</summary>
    public int? DefaultContextSize { get; set; }

    /// <summary>
    /// Flash attention for local models: Off (default: a request's greedy output is the same alone, online or batched with
    /// any others), On or Auto (faster and leaner on long contexts, mainly on GPUs; batched output may then drift from alone).
    /// </summary>
    public ExpertRouter.LlamaCpp.FlashAttention FlashAttention { get; set; } = ExpertRouter.LlamaCpp.FlashAttention.Off;

    /// <summary>Memory budget for loaded models: bytes or a size like "8GiB", "512MiB". Empty = 75% of the machine's memory.</summary>
    public string? MemoryBudget { get; set; }

    /// <summary>Unload models idle for this long (pinned ones stay); 0 = never.</summary>
    public TimeSpan IdleUnloadAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a request may wait for memory held by busy models.</summary>
    public TimeSpan AdmissionTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest request body accepted on the JSON endpoints (bytes).</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most choices (<c>n</c>) per chat request.</summary>
    public int MaxChoices { get; set; } = 16;

    public string ResolvedDataDirectory => Path.GetFullPath(DataDirectory);

    public IReadOnlyList<string> ResolvedModelDirectories =>
        [.. ModelDirectories.Select(Path.GetFullPath).Append(Path.Combine(ResolvedDataDirectory, "models")).Distinct(StringComparer.Ordinal)];

    /// <summary>Returns the problems with these settings (empty when valid).</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return "ExpertRouter:DataDirectory must not be empty.";
        }

        if (!Enum.IsDefined(FlashAttention))
        {
            yield return $"ExpertRouter:FlashAttention must be Off, On or Auto (got {FlashAttention}).";
        }

        if (DefaultMaxSequences is < 1 or > 256)
        {
            yield return $"ExpertRouter:DefaultMaxSequences must be 1..256 (got {DefaultMaxSequences}).";
        }

        if (MaxQueuedRequests is < 1 or > 1_000_000)
        {
            yield return $"ExpertRouter:MaxQueuedRequests must be 1..1000000 (got {MaxQueuedRequests}).";
        }

        if (DefaultContextSize is < 16)
        {
            yield return $"ExpertRouter:DefaultContextSize must be at least 16 (got {DefaultContextSize}).";
        }

        if (!string.IsNullOrWhiteSpace(MemoryBudget) && !ByteSize.TryParse(MemoryBudget, out _))
        {
            yield return $"ExpertRouter:MemoryBudget '{MemoryBudget}' is not a size (examples: 8589934592, 8GiB, 512MiB).";
        }

        if (MaxRequestBodyBytes < 1024)
        {
            yield return "ExpertRouter:MaxRequestBodyBytes must be at least 1024.";
        }

        if (MaxChoices is < 1 or > 128)
        {
            yield return "ExpertRouter:MaxChoices must be 1..128.";
        }
    }
}
