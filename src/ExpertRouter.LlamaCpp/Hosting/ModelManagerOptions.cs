namespace ExpertRouter.LlamaCpp.Hosting;

/// <summary>Memory budget and lifetimes of loaded models.</summary>
public sealed class ModelManagerOptions
{
    /// <summary>Bytes all loaded models may reserve together (weights + KV cache + compute estimate). 0 = 75% of the machine's memory.</summary>
    public long MemoryBudgetBytes { get; set; }

    /// <summary>Unload a model nobody used for this long (pinned models stay). Zero or negative = never.</summary>
    public TimeSpan IdleUnloadAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a request waits for memory to free up (busy models finishing) before it fails.</summary>
    public TimeSpan AdmissionTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
