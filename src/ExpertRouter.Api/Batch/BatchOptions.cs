namespace ExpertRouter.Api.Batch;

/// <summary>Files and batch execution (section <c>ExpertRouter:Batch</c>).</summary>
public sealed class BatchOptions
{
    public const string Section = "ExpertRouter:Batch";

    /// <summary>Largest file accepted by <c>POST /v1/files</c> (bytes); bigger uploads get 413.</summary>
    public long MaxFileBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Most request lines in one batch input file.</summary>
    public int MaxLines { get; set; } = 50_000;

    /// <summary>Lines of one expert in flight at once; 0 = twice the expert's decode slots (its max sequences), so slots refill at once.</summary>
    public int Parallelism { get; set; }

    /// <summary>Lines in flight at once for a remote expert or a routed model.</summary>
    public int RemoteParallelism { get; set; } = 8;

    /// <summary>Tries per line when it fails transiently (remote 5xx/timeouts, queue full, waiting for memory).</summary>
    public int MaxLineAttempts { get; set; } = 4;

    /// <summary>First back-off between tries of a line; doubles per try (with jitter), at most 30 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often progress (request counts, per-expert lines done, ETA) is written while a batch runs.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Returns the problems with these settings (empty when valid).</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxFileBytes < 1)
        {
            yield return $"{Section}:MaxFileBytes must be positive.";
        }

        if (MaxLines < 1)
        {
            yield return $"{Section}:MaxLines must be positive.";
        }

        if (Parallelism is < 0 or > 4096 || RemoteParallelism is < 1 or > 4096)
        {
            yield return $"{Section}:Parallelism must be 0..4096 and RemoteParallelism 1..4096.";
        }

        if (MaxLineAttempts is < 1 or > 100)
        {
            yield return $"{Section}:MaxLineAttempts must be 1..100.";
        }

        if (RetryDelay < TimeSpan.Zero || ProgressInterval <= TimeSpan.Zero)
        {
            yield return $"{Section}:RetryDelay must not be negative and ProgressInterval must be positive.";
        }
    }
}
