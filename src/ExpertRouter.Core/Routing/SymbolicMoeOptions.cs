namespace ExpertRouter.Core.Routing;

/// <summary>Settings of <see cref="SymbolicMoeRouter"/> (ALGORITHMS.md §1 step 8 and §4).</summary>
public sealed record SymbolicMoeOptions
{
    /// <summary>Number of draws (the reference uses 3); also the number of random experts for a query without keywords. Must be positive.</summary>
    public int K { get; init; } = 3;

    /// <summary>Draw with replacement (the reference) or without.</summary>
    public bool WithReplacement { get; init; } = true;

    /// <summary>When set, use top-p selection with this p in [0, 1] instead of k draws (the paper uses 0.4).</summary>
    public double? TopP { get; init; }

    /// <summary>Temperature T of global competence; must be positive.</summary>
    public double Temperature { get; init; } = SymbolicMoeScoring.DefaultTemperature;

    /// <summary>Seed for reproducible draws; null = non-deterministic.</summary>
    public int? Seed { get; init; }
}
