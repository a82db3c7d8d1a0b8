using ExpertRouter.Core.VectorStore;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Routing memory: every routed answer is remembered (its query embedding and experts); feedback
/// (<c>POST /api/feedback</c>, good or bad) turns it into points of the memory collection with the
/// outcome as payload. The <c>moe/memory</c> router scores experts by the similarity-weighted
/// outcomes of the nearest remembered queries (good +1, bad −1), so routing improves with use; with
/// nothing relevant remembered yet it falls back to Symbolic-MoE (or k random experts).
/// </summary>
public sealed class RoutingMemoryService(
    RouterContext context,
    IVectorStore vectors,
    RouterEmbedder embedder,
    SymbolicMoeService symbolic,
    IOptions<MoeOptions> options) : IMoeRouter, IRoutedAnswerRecorder
{
    public const string RoutedCollection = "er-routed";
    public const string MemoryCollection = "er-memory";
    private readonly MoeOptions _options = options.Value;

    public string Name => "routing-memory";

    public string ModelId => "moe/memory";

    public string Description => "Routing memory: kNN over past routed queries with feedback (good/bad); improves with use, falls back to Symbolic-MoE when it knows nothing yet.";

    public async Task RecordAsync(string responseId, string question, IReadOnlyList<string> experts, string router, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(experts);
        var vector = KMeans.Normalized((await embedder.EmbedAsync([question], cancellationToken).ConfigureAwait(false))[0]);
        await vectors.EnsureCollectionAsync(RoutedCollection, vector.Length, cancellationToken).ConfigureAwait(false);
        await vectors.UpsertAsync(RoutedCollection, [new VectorPoint(responseId, vector, new Dictionary<string, string>
        {
            ["response_id"] = responseId,
            ["experts"] = string.Join(',', experts.Distinct()),
            ["router"] = router,
            ["question"] = question.Length > 300 ? question[..300] : question,
        })], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records feedback on a routed answer; returns the experts it concerned.</summary>
    /// <exception cref="FeedbackNotFoundException">No routed answer with that id.</exception>
    public async Task<IReadOnlyList<string>> FeedbackAsync(string responseId, bool good, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(responseId);
        var found = await vectors.OrWhenMissingAsync(
            v => v.ListAsync(RoutedCollection, VectorFilter.Where("response_id", responseId), withVectors: true, max: 1, cancellationToken: cancellationToken), []).ConfigureAwait(false);
        var routed = (found.Count > 0 ? found[0] : null) ?? throw new FeedbackNotFoundException($"No routed answer has the id '{responseId}' (feedback applies to answers of moe/* models).");
        var experts = routed.Payload["experts"].Split(',', StringSplitOptions.RemoveEmptyEntries);
        var outcome = good ? "good" : "bad";
        await vectors.EnsureCollectionAsync(MemoryCollection, routed.Vector.Length, cancellationToken).ConfigureAwait(false);
        await vectors.UpsertAsync(MemoryCollection, [.. experts.Select(e => new VectorPoint($"{responseId}/{e}", routed.Vector, new Dictionary<string, string>
        {
            ["expert"] = e,
            ["outcome"] = outcome,
            ["response_id"] = responseId,
        }))], cancellationToken).ConfigureAwait(false);
        return experts;
    }

    public async Task<RoutingPlan> PlanAsync(string question, MoeOverrides requestOverrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestOverrides);
        var registered = (await context.RegisteredAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Id).ToList();
        var query = KMeans.Normalized((await embedder.EmbedAsync([question], cancellationToken).ConfigureAwait(false))[0]);
        // Unfiltered search (the fast path of the index), then drop experts that are no longer registered.
        var hits = (await vectors.OrWhenMissingAsync(v => v.SearchAsync(MemoryCollection, query, _options.MemoryNeighbours, null, cancellationToken), []).ConfigureAwait(false))
            .Where(h => registered.Contains(h.Payload["expert"])).ToList();
        var scores = hits.GroupBy(h => h.Payload["expert"])
            .Select(g => (Expert: g.Key, Score: g.Sum(h => (double)h.Score * (h.Payload["outcome"] == "good" ? 1 : -1))))
            .Where(x => x.Score > 0)
            .OrderBy(x => x.Expert, StringComparer.Ordinal).ToList();
        var neighbours = hits.Take(10).Select(h => new RouterNeighbour(h.Id, h.Payload["expert"], h.Score, h.Payload["outcome"])).ToList();
        if (scores.Count == 0)
        {
            RoutingPlan fallback;
            try
            {
                fallback = await symbolic.PlanAsync(question, requestOverrides, cancellationToken).ConfigureAwait(false);
            }
            catch (MoeUnavailableException)
            {
                // No profile either: explore with random experts so feedback can accumulate.
                var rng = requestOverrides.Seed is { } seed ? new Random(seed) : Random.Shared;
                var k = Math.Min(requestOverrides.K ?? _options.EmbeddingRouterK, registered.Count);
                var picked = Routing.ExpertSelection.RandomK(registered.Count, Math.Max(1, k), rng).Select(i => registered[i]).ToList();
                var random = new RoutingExplanation
                {
                    Router = Name,
                    Embedder = embedder.Name,
                    Neighbours = neighbours,
                    Strategy = $"memory knows no good expert for this query ({hits.Count} neighbours) and there is no profile: {picked.Count} random expert(s)",
                    Selected = picked,
                };
                return new RoutingPlan(question, null, picked, random);
            }

            var explanation = fallback.Explanation with
            {
                Router = Name,
                Neighbours = neighbours,
                Strategy = $"memory knows no good expert for this query ({hits.Count} neighbours); fell back to symbolic-moe: {fallback.Explanation.Strategy}",
            };
            return fallback with { Explanation = explanation };
        }

        var total = scores.Sum(s => s.Score);
        var probabilities = scores.Select(s => s.Score / total).ToArray();
        var (chosen, strategy) = SimilarityRouting.Select(probabilities, requestOverrides.K ?? _options.EmbeddingRouterK, requestOverrides.TopP);
        var profile = await context.ProfileAsync(requestOverrides.Profile, required: false, cancellationToken).ConfigureAwait(false);
        var result = new RoutingExplanation
        {
            Router = Name,
            Profile = profile?.Id,
            ProfileVersion = profile?.Version ?? 0,
            Embedder = embedder.Name,
            Scores = [.. scores.Select((s, i) => new RouterExpertScore(s.Expert, s.Score, probabilities[i]))],
            Neighbours = neighbours,
            Strategy = "memory-knn; " + strategy,
            Selected = [.. chosen.Select(i => scores[i].Expert)],
        };
        return new RoutingPlan(question, profile, result.Selected, result);
    }
}
