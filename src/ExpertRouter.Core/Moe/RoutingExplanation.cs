using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Why a routed answer was routed the way it was. Symbolic-MoE: query keywords → mapped skills →
/// per-expert local/global scores and probabilities; embedding routers: the task instruction or the
/// nearest pilots/remembered queries → per-expert similarity and probability; then the chosen
/// experts and the aggregation. Returned with every routed answer (response field and header) and by
/// the dry-run endpoint.
/// </summary>
public sealed record RoutingExplanation
{
    public required string Router { get; init; }

    public string? Profile { get; init; }

    public int ProfileVersion { get; init; }

    public string? KeywordModel { get; init; }

    public required string Embedder { get; init; }

    /// <summary>Symbolic-MoE: the query's keywords and the profile keywords they mapped to.</summary>
    public IReadOnlyList<MappedKeyword> Keywords { get; init; } = [];

    /// <summary>Symbolic-MoE: per-expert local and global scores.</summary>
    public IReadOnlyList<ExpertScore> Experts { get; init; } = [];

    /// <summary>GLIDER-style routing: the one-sentence task instruction the router model wrote.</summary>
    public string? Instruction { get; init; }

    /// <summary>Embedding routers: per-expert similarity and probability.</summary>
    public IReadOnlyList<RouterExpertScore> Scores { get; init; } = [];

    /// <summary>RouterRetriever / routing memory: the nearest stored points.</summary>
    public IReadOnlyList<RouterNeighbour> Neighbours { get; init; } = [];

    /// <summary>Set after the answer: the id to send feedback for (<c>POST /api/feedback</c>).</summary>
    public string? ResponseId { get; set; }

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
        var what = Instruction is not null ? "instruction=" + Instruction : Keywords.Count > 0 || Router == "symbolic-moe" ? "keywords=" + kws : $"neighbours={Neighbours.Count}";
        var text = $"{Router}; profile={Profile ?? "none"}@{ProfileVersion}; {what}; strategy={Strategy}; experts={experts}{agg}";
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
