namespace ExpertRouter.Core.Profiling;

/// <summary>Where a run is: its phase, overall counts, and per-expert answer counts.</summary>
public sealed record ProfilingProgress
{
    public ProfilingPhase Phase { get; init; } = ProfilingPhase.Queued;

    public int ItemsAnnotated { get; init; }

    public int Items { get; init; }

    /// <summary>Expert id → answers saved so far (of <see cref="Items"/>).</summary>
    public IReadOnlyDictionary<string, int> Answered { get; init; } = new Dictionary<string, int>();

    /// <summary>Aggregator id → benchmark items done.</summary>
    public IReadOnlyDictionary<string, int> AggregatorDone { get; init; } = new Dictionary<string, int>();

    public int AggregatorItems { get; init; }

    /// <summary>Fraction of the whole run done, 0..1.</summary>
    public double Fraction { get; init; }

    public string? Message { get; init; }
}
