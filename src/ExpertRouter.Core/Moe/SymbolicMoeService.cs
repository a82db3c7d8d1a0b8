using System.Collections.Concurrent;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Symbolic-MoE at query time (ALGORITHMS.md §1 steps 4-9, §4, §5): annotate the query's skills with
/// the profile's keyword model, map them to profile keywords by embedding similarity, score and draw
/// experts, let each recruited instance answer (experts leased one after another, each expert's
/// instances together so they share its decode batches), then aggregate. Thread-safe.
/// </summary>
public sealed class SymbolicMoeService(
    RouterContext context,
    IExpertClientProvider experts,
    KeywordAnnotator annotator,
    RouterEmbedder embedder,
    IOptions<MoeOptions> options) : IMoeRouter
{
    public const string RouterName = "symbolic-moe";

    private readonly ConcurrentDictionary<(string Profile, int Version), KeywordMapper> _mappers = new();
    private readonly MoeOptions _options = options.Value;

    public string Name => RouterName;

    public string ModelId => "moe/symbolic";

    public string Description => "Symbolic-MoE: skill-based recruitment of k experts per query from the latest skill profile, then aggregation (consensus, synthesis, voting).";

    /// <summary>The embedder that maps query keywords to profile keywords.</summary>
    public string EmbedderName => embedder.Name;

    /// <summary>Routes a query without running any expert on it (the keyword model is still asked for skills).</summary>
    public async Task<RoutingPlan> PlanAsync(string question, MoeOverrides requestOverrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(requestOverrides);
        var profile = (await context.ProfileAsync(requestOverrides.Profile, required: true, cancellationToken).ConfigureAwait(false))!;
        var registered = (await context.RegisteredAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var usable = profile.Experts.Where(e => registered.Contains(e.ExpertId)).ToList();
        var removed = profile.Experts.Where(e => !registered.Contains(e.ExpertId)).Select(e => e.ExpertId).ToList();
        if (usable.Count == 0)
        {
            throw new MoeUnavailableException($"None of the experts of profile '{profile.Id}' (version {profile.Version}) is registered any more. Re-run profiling.");
        }

        var keywordModel = profile.KeywordModel is { } km && registered.Contains(km) ? km : usable[0].ExpertId;
        IReadOnlyList<string> keywords;
        using (var lease = await experts.AcquireAsync(keywordModel, null, cancellationToken).ConfigureAwait(false))
        {
            keywords = await annotator.AnnotateAsync(lease.Chat, question, _options.KeywordSamples, _options.KeywordTemperature,
                _options.KeywordMinSamples, requestOverrides.Seed, cancellationToken).ConfigureAwait(false);
        }

        var mapper = _mappers.GetOrAdd((profile.Id, profile.Version), _ => KeywordMapper.FromProfiles(profile.Experts, embedder.Generator));
        var mapped = await mapper.MapAsync(keywords, cancellationToken).ConfigureAwait(false);
        var decision = SymbolicMoeRouter.Route(usable, mapped, new SymbolicMoeOptions
        {
            K = requestOverrides.K ?? _options.K,
            WithReplacement = requestOverrides.WithReplacement ?? _options.WithReplacement,
            TopP = requestOverrides.TopP ?? _options.TopP,
            Temperature = _options.Temperature,
            Seed = requestOverrides.Seed,
        });
        var explanation = new RoutingExplanation
        {
            Router = RouterName,
            Profile = profile.Id,
            ProfileVersion = profile.Version,
            KeywordModel = keywordModel,
            Embedder = EmbedderName,
            Keywords = decision.Keywords,
            Experts = decision.Experts,
            UsedFallbackShift = decision.UsedFallbackShift,
            Strategy = decision.Strategy,
            Selected = decision.Selected,
            Seed = decision.Seed,
            RemovedExperts = removed,
        };
        return new RoutingPlan(question, profile, decision.Selected, explanation);
    }
}
