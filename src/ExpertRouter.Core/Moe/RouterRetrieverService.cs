using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics.Tensors;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.VectorStore;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// RouterRetriever (ALGORITHMS.md section 2): every expert gets pilot embeddings — k-means centroids of
/// the validation queries it won (answered correctly when not every expert did) — stored in the
/// vector store with the expert id as payload. A query goes to the experts whose pilots are most
/// similar: the highest average similarity (paper) or the single nearest pilot (reference code).
/// Pilots are built from a profile's saved answers on first use; adding or removing an expert
/// touches only its pilots.
/// </summary>
public sealed class RouterRetrieverService(
    RouterContext context,
    IProfilingStore profiling,
    IVectorStore vectors,
    RouterEmbedder embedder,
    IOptions<MoeOptions> options) : IMoeRouter
{
    public const string Collection = "er-pilots";
    private readonly ConcurrentDictionary<(string, int), Task> _built = new();
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, float[]>> _means = new(StringComparer.Ordinal);
    private readonly MoeOptions _options = options.Value;

    public string Name => "router-retriever";

    public string ModelId => "moe/retriever";

    public string Description => "RouterRetriever: routes to the expert whose pilot embeddings (centroids of the validation queries it answered best) are most similar to the query.";

    public async Task<RoutingPlan> PlanAsync(string question, MoeOverrides requestOverrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestOverrides);
        var profile = (await context.ProfileAsync(requestOverrides.Profile, required: true, cancellationToken).ConfigureAwait(false))!;
        await EnsurePilotsAsync(profile, cancellationToken).ConfigureAwait(false);
        var registered = (await context.RegisteredAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Id).ToList();
        var query = KMeans.Normalized((await embedder.EmbedAsync([question], cancellationToken).ConfigureAwait(false))[0]);
        var nearest = _options.RetrieverMode == "nearest";
        var pilots = await PilotsAsync(profile, cancellationToken).ConfigureAwait(false);
        var byExpert = new List<(string Expert, double Similarity)>();
        var hits = new List<VectorSearchResult>();
        foreach (var (expert, mean) in pilots.Where(p => registered.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (nearest)
            {
                var best = await vectors.SearchAsync(Collection, query, 1, VectorFilter.Where("profile", Key(profile)).And("expert", expert), cancellationToken).ConfigureAwait(false);
                if (best.Count > 0)
                {
                    byExpert.Add((expert, best[0].Score));
                    hits.Add(best[0]);
                }
            }
            else
            {
                // The average cosine to an expert's (unit) pilots equals the dot product with their mean.
                byExpert.Add((expert, TensorPrimitives.Dot(query, mean)));
            }
        }

        if (byExpert.Count == 0)
        {
            throw new MoeUnavailableException($"Profile '{profile.Id}' has no pilots for any registered expert (no expert won a validation query on its own). Re-run profiling with more items or experts.");
        }

        var probabilities = SimilarityRouting.Softmax([.. byExpert.Select(x => x.Similarity)], _options.SimilarityTemperature);
        var (chosen, strategy) = SimilarityRouting.Select(probabilities, requestOverrides.K ?? _options.EmbeddingRouterK, requestOverrides.TopP);
        var explanation = new RoutingExplanation
        {
            Router = Name,
            Profile = profile.Id,
            ProfileVersion = profile.Version,
            Embedder = embedder.Name,
            Scores = [.. byExpert.Select((x, i) => new RouterExpertScore(x.Expert, x.Similarity, probabilities[i]))],
            Neighbours = [.. hits.OrderByDescending(h => h.Score).Take(5).Select(h => new RouterNeighbour(h.Id, h.Payload["expert"], h.Score, null))],
            Strategy = (nearest ? "nearest-pilot" : "average-pilot-similarity") + "; " + strategy,
            Selected = [.. chosen.Select(i => byExpert[i].Expert)],
            RemovedExperts = [.. profile.Experts.Select(e => e.ExpertId).Where(id => !registered.Contains(id))],
        };
        return new RoutingPlan(question, profile, explanation.Selected, explanation);
    }

    /// <summary>Per expert, the mean of its unit pilot vectors (cached per profile version until pilots are rebuilt).</summary>
    private async Task<IReadOnlyDictionary<string, float[]>> PilotsAsync(SkillProfileSet profile, CancellationToken cancellationToken)
    {
        if (_means.TryGetValue(Key(profile), out var cached))
        {
            return cached;
        }

        var points = await vectors.OrWhenMissingAsync(
            v => v.ListAsync(Collection, VectorFilter.Where("profile", Key(profile)), withVectors: true, cancellationToken: cancellationToken), []).ConfigureAwait(false);
        var means = points.GroupBy(p => p.Payload["expert"]).ToDictionary(g => g.Key, g =>
        {
            var sum = new float[g.First().Vector.Length];
            foreach (var p in g)
            {
                TensorPrimitives.Add(sum, p.Vector, sum);
            }

            TensorPrimitives.Divide(sum, g.Count(), sum);
            return sum;
        }, StringComparer.Ordinal);
        _means[Key(profile)] = means;
        return means;
    }

    /// <summary>Builds (once per profile version) the pilots of every expert of the profile.</summary>
    public Task EnsurePilotsAsync(SkillProfileSet profile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var task = _built.GetOrAdd((profile.Id, profile.Version), _ => BuildIfMissingAsync(profile));
        if (task.IsFaulted)
        {
            _built.TryRemove((profile.Id, profile.Version), out _);
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task BuildIfMissingAsync(SkillProfileSet profile)
    {
        var exists = await vectors.OrWhenMissingAsync(v => v.CountAsync(Collection, VectorFilter.Where("profile", Key(profile))), 0L).ConfigureAwait(false) > 0;
        if (!exists)
        {
            await RebuildAsync(profile, null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>(Re)builds the pilots of a profile's experts, or of one expert only; returns pilots per expert.</summary>
    public async Task<IReadOnlyDictionary<string, int>> RebuildAsync(SkillProfileSet profile, string? onlyExpert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var items = await profiling.GetValidationItemsAsync(profile.ValidationSetId, cancellationToken).ConfigureAwait(false);
        var answers = await profiling.GetAnswersAsync(profile.RunId, cancellationToken).ConfigureAwait(false);
        var expertIds = profile.Experts.Select(e => e.ExpertId).ToHashSet(StringComparer.Ordinal);
        var won = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach (var group in answers.Where(a => expertIds.Contains(a.ExpertId)).GroupBy(a => a.ItemIndex))
        {
            var correct = group.Where(a => a.Correct).Select(a => a.ExpertId).ToList();
            if (correct.Count == 0 || correct.Count == group.Count())
            {
                continue; // nobody or everybody: says nothing about who is best
            }

            foreach (var id in correct)
            {
                (won.TryGetValue(id, out var list) ? list : won[id] = []).Add(group.Key);
            }
        }

        var targets = expertIds.Where(e => onlyExpert is null || e == onlyExpert).Order(StringComparer.Ordinal).ToList();
        var needed = won.Where(w => targets.Contains(w.Key)).SelectMany(w => w.Value).Distinct().Where(i => i < items.Count).ToList();
        var embedded = needed.Count == 0 ? [] : await embedder.EmbedAsync([.. needed.Select(i => items[i].Question)], cancellationToken).ConfigureAwait(false);
        var byItem = needed.Select((item, n) => (item, n)).ToDictionary(x => x.item, x => embedded[x.n]);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            foreach (var expert in targets)
            {
                var mine = won.GetValueOrDefault(expert) ?? [];
                var centroids = KMeans.Centroids([.. mine.Where(byItem.ContainsKey).Select(i => byItem[i])], _options.RetrieverPilotsPerExpert);
                if (centroids.Length > 0)
                {
                    await vectors.EnsureCollectionAsync(Collection, centroids[0].Length, cancellationToken).ConfigureAwait(false);
                }

                if (await vectors.GetCollectionAsync(Collection, cancellationToken).ConfigureAwait(false) is not null)
                {
                    await vectors.DeleteWhereAsync(Collection, VectorFilter.Where("profile", Key(profile)).And("expert", expert), cancellationToken).ConfigureAwait(false);
                }

                counts[expert] = centroids.Length;
                if (centroids.Length == 0)
                {
                    continue; // this expert won no query on its own: no pilots
                }

                await vectors.UpsertAsync(Collection, [.. centroids.Select((c, i) => new VectorPoint($"{Key(profile)}/{expert}/{i}", c, new Dictionary<string, string>
                {
                    ["profile"] = Key(profile),
                    ["expert"] = expert,
                    ["won"] = mine.Count.ToString(CultureInfo.InvariantCulture),
                }))], cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _means.TryRemove(Key(profile), out _); // after the writes: a concurrent plan cannot cache the old pilots again
        }

        return counts;
    }

    private static string Key(SkillProfileSet profile) => $"{profile.Id}@{profile.Version}";
}
