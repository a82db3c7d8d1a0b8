namespace ExpertRouter.Api.Jobs;

/// <summary>The background job workers (section <c>ExpertRouter:Jobs</c>).</summary>
public sealed class JobOptions
{
    public const string Section = "ExpertRouter:Jobs";

    /// <summary>Jobs this process runs at once; 0 = this instance only serves the API and runs no jobs.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>How long a claimed job stays owned without a heartbeat; after that any worker may take it over (crash recovery).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running job's lease is extended (default: a third of the lease).</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>How often idle workers look for jobs enqueued by other processes (jobs enqueued here wake them at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Claims per job before it fails (a crash costs one; a graceful shutdown gives its attempt back).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>First delay before a job that threw is tried again; doubles per attempt.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan EffectiveHeartbeat => HeartbeatInterval is { } h && h > TimeSpan.Zero ? h : LeaseDuration / 3;

    /// <summary>Returns the problems with these settings (empty when valid).</summary>
    public IEnumerable<string> Validate()
    {
        if (Concurrency is < 0 or > 64)
        {
            yield return $"{Section}:Concurrency must be 0..64 (got {Concurrency}).";
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            yield return $"{Section}:LeaseDuration must be at least 1 second.";
        }

        if (EffectiveHeartbeat >= LeaseDuration)
        {
            yield return $"{Section}:HeartbeatInterval must be shorter than LeaseDuration.";
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            yield return $"{Section}:PollInterval must be positive.";
        }

        if (MaxAttempts is < 1 or > 1000)
        {
            yield return $"{Section}:MaxAttempts must be 1..1000.";
        }
    }
}
