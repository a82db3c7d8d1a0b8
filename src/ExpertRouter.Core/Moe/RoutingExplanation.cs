using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Why a routed answer was routed the way it was: query keywords → mapped skills → per-expert
/// local/global scores and probabilities → chosen experts → aggregation. Returned with every routed
/// answer (response field and header) and by the dry-run endpoint.
/// </summary>
public sealed record RoutingExplanation
{
    public required string Router { get; init; }

    public required string Profile { get; init; }

    public int ProfileVersion { get; init; }

    public string? KeywordModel { get; init; }

    public required string Embedder { get; init; }

    public required IReadOnlyList<MappedKeyword> Keywords { get; init; }

    public required IReadOnlyList<ExpertScore> Experts { get; init; }

    public bool UsedFallbackShift { get; init; }

    public required string Strategy { get; init; }

    public required IReadOnlyList<string> Selected { get; init; }

    public int? Seed { get; init; }

    /// <summary>Experts in the profile that are no longer registered (left out of routing).</summary>
    public IReadOnlyList<string> RemovedExperts { get; init; } = [];

    public AggregationExplanation? Aggregation { get; set; }

    /// <summary>One line, ASCII only, for the <c>X-ExpertRouter-Routing</c> header.</summary>
    public string Summary()
    {
        var kws = Keywords.Count == 0 ? "none" : string.Join(",", Keywords.Select(k => k.ProfileKeyword is null ? k.Keyword : $"{k.Keyword}>{k.ProfileKeyword}"));
        var experts = string.Join(",", Selected.GroupBy(s => s).Select(g => g.Count() > 1 ? $"{g.Key}x{g.Count()}" : g.Key));
        var agg = Aggregation is null ? "" : $"; aggregation={Aggregation.Strategy}{(Aggregation.Aggregator is null ? "" : "(" + Aggregation.Aggregator + ")")}";
        var text = $"{Router}; profile={Profile}@{ProfileVersion}; keywords={kws}; strategy={Strategy}; experts={experts}{agg}";
        return new string([.. text.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
    }
}

/// <summary>How the recruited experts' answers became the final answer.</summary>
/// <param name="Strategy">passthrough, consensus, synthesis, vote, certainty-vote, first.</param>
/// <param name="Aggregator">The expert that synthesised (synthesis only).</param>
/// <param name="Answers">Each recruited instance: expert, extracted answer, self-certainty.</param>
/// <param name="Votes">Tally for voting strategies.</param>
public sealed record AggregationExplanation(
    string Strategy,
    string? Aggregator,
    IReadOnlyList<InstanceAnswer> Answers,
    IReadOnlyDictionary<string, double>? Votes);

/// <summary>One recruited instance's answer.</summary>
public sealed record InstanceAnswer(string ExpertId, string? Extracted, double? SelfCertainty, int? CompletionTokens);
