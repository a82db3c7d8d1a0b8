using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Profiling;

/// <summary>
/// A versioned result of profiling: every expert's keyword profile, the keyword vocabulary, the
/// chosen aggregator and the benchmark numbers behind the choice.
/// </summary>
public sealed record SkillProfileSet
{
    public required string Id { get; init; }

    public int Version { get; init; }

    public required string RunId { get; init; }

    public required string ValidationSetId { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public required IReadOnlyList<ExpertProfile> Experts { get; init; }

    /// <summary>The expert that synthesises final answers for this task.</summary>
    public string? Aggregator { get; init; }

    /// <summary>Candidate aggregator → accuracy on the aggregator benchmark.</summary>
    public IReadOnlyDictionary<string, double> AggregatorAccuracy { get; init; } = new Dictionary<string, double>();

    /// <summary>Expert → accuracy on the validation set.</summary>
    public IReadOnlyDictionary<string, double> ExpertAccuracy { get; init; } = new Dictionary<string, double>();

    public string? KeywordModel { get; init; }

    public int Items { get; init; }
}
