using System.Collections.Concurrent;
using ExpertRouter.Core.Aggregation;
using ExpertRouter.Core.Embeddings;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Routing;
using ExpertRouter.Core.Validation;
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
    IProfilingStore profiles,
    IExpertStore registry,
    IExpertClientProvider experts,
    KeywordAnnotator annotator,
    PromptLibrary prompts,
    IOptions<MoeOptions> options)
{
    public const string RouterName = "symbolic-moe";

    private readonly ConcurrentDictionary<(string Profile, int Version), KeywordMapper> _mappers = new();
    private static readonly LexicalEmbeddingGenerator Lexical = new();
    private readonly MoeOptions _options = options.Value;

    /// <summary>The embedder that maps query keywords to profile keywords.</summary>
    public string EmbedderName => _options.EmbeddingExpert is { Length: > 0 } e ? "expert:" + e : LexicalEmbeddingGenerator.ProviderName + " (built-in lexical embedder)";

    /// <summary>The profile a request uses: the override, the configured default, or the newest one.</summary>
    public async Task<SkillProfileSet> ResolveProfileAsync(string? profileId, CancellationToken cancellationToken)
    {
        var id = profileId ?? _options.DefaultProfile;
        if (id is not null)
        {
            return await profiles.GetProfileAsync(id, null, cancellationToken).ConfigureAwait(false)
                ?? throw new MoeUnavailableException($"There is no skill profile '{id}'. Run profiling first: POST /api/profiling-runs.");
        }

        var all = await profiles.ListProfilesAsync(cancellationToken).ConfigureAwait(false);
        return all.OrderByDescending(p => p.CreatedAt).FirstOrDefault()
            ?? throw new MoeUnavailableException("There is no skill profile yet. Import a validation set (POST /api/validation-sets) and run profiling (POST /api/profiling-runs) first.");
    }

    /// <summary>Routes a query without running any expert on it (the keyword model is still asked for skills).</summary>
    public async Task<RoutingPlan> PlanAsync(string question, MoeOverrides overrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(overrides);
        var profile = await ResolveProfileAsync(overrides.Profile, cancellationToken).ConfigureAwait(false);
        var registered = (await registry.ListAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
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
                _options.KeywordMinSamples, overrides.Seed, cancellationToken).ConfigureAwait(false);
        }

        var mapper = _mappers.GetOrAdd((profile.Id, profile.Version), _ => KeywordMapper.FromProfiles(profile.Experts, Embedder()));
        var mapped = await mapper.MapAsync(keywords, cancellationToken).ConfigureAwait(false);
        var decision = SymbolicMoeRouter.Route(usable, mapped, new SymbolicMoeOptions
        {
            K = overrides.K ?? _options.K,
            WithReplacement = overrides.WithReplacement ?? _options.WithReplacement,
            TopP = overrides.TopP ?? _options.TopP,
            Temperature = _options.Temperature,
            Seed = overrides.Seed,
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
        return new RoutingPlan(question, profile, decision, explanation);
    }

    /// <summary>Has every recruited instance answer, then decides how to aggregate (the synthesis itself is left to the caller, so it can stream).</summary>
    public async Task<MoeDraft> GatherAsync(RoutingPlan plan, IReadOnlyList<ChatMessage> messages, ChatOptions? chatOptions, MoeOverrides overrides, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(overrides);
        var selected = plan.Decision.Selected;
        var instances = new (string ExpertId, ChatResponse Response)[selected.Count];
        var baseSeed = chatOptions?.Seed ?? overrides.Seed;
        foreach (var group in selected.Select((id, i) => (id, i)).GroupBy(x => x.id))
        {
            progress?.Report($"{group.Key} answering ({group.Count()} instance{(group.Count() > 1 ? "s" : "")})");
            using var lease = await experts.AcquireAsync(group.Key, progress, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(group.Select(async x =>
            {
                var o = chatOptions?.Clone() ?? new ChatOptions();
                o.Temperature ??= _options.ExpertTemperature;
                o.Seed = baseSeed is { } s ? s + x.i : null;
                o.AdditionalProperties = null; // router overrides are not engine settings
                instances[x.i] = (group.Key, await lease.Chat.GetResponseAsync(messages, o, cancellationToken).ConfigureAwait(false));
            })).ConfigureAwait(false);
        }

        var (kind, choices) = QuestionKinds.Infer(plan.Question);
        var candidates = instances.Select(x => new CandidateAnswer(x.ExpertId, x.Response.Text,
            AnswerExtractor.Extract(x.Response.Text, kind, choices), SelfCertainty(x.Response))).ToList();
        var answers = instances.Select((x, i) => new InstanceAnswer(x.ExpertId, candidates[i].Extracted, candidates[i].SelfCertainty, (int?)x.Response.Usage?.OutputTokenCount)).ToList();
        var usage = new UsageDetails { InputTokenCount = 0, OutputTokenCount = 0, TotalTokenCount = 0 };
        foreach (var x in instances)
        {
            if (x.Response.Usage is { } u)
            {
                usage.Add(u);
            }
        }

        var mode = overrides.Aggregation ?? _options.Aggregation;
        MoeDraft Final(string strategy, int index, IReadOnlyDictionary<string, double>? votes = null) =>
            new(instances[index].Response.Text, null, null, new AggregationExplanation(strategy, null, answers, votes), usage, instances[index].Response.FinishReason ?? ChatFinishReason.Stop);

        if (instances.Length == 1)
        {
            return Final("passthrough", 0);
        }

        switch (mode)
        {
            case "first":
                return Final("first", 0);
            case "vote":
            case "certainty":
            {
                var vote = mode == "vote" ? Voting.Majority(candidates) : Voting.SelfCertaintyWeighted(candidates);
                var winner = vote.Winner is null ? 0 : candidates.FindIndex(c => c.Extracted == vote.Winner);
                return Final(mode == "vote" || vote.Method != VoteMethod.SelfCertaintyWeighted ? "vote" : "certainty-vote", Math.Max(0, winner), vote.Tally);
            }

            case "auto" when Voting.IsConsensus(candidates):
                return Final("consensus", 0);
        }

        // Synthesis by the task's aggregator (auto without consensus, or asked for).
        var aggregator = plan.Profile.Aggregator;
        if (aggregator is null || await registry.GetAsync(aggregator, cancellationToken).ConfigureAwait(false) is null)
        {
            var vote = Voting.Majority(candidates);
            var winner = vote.Winner is null ? 0 : candidates.FindIndex(c => c.Extracted == vote.Winner);
            return Final("vote", Math.Max(0, winner), vote.Tally);
        }

        var prompt = ProfilingRunner.AggregationPrompt(prompts, plan.Question, null, kind, [.. instances.Select(x => x.Response.Text)]);
        return new MoeDraft(null, aggregator, prompt, new AggregationExplanation("synthesis", aggregator, answers, null), usage, ChatFinishReason.Stop);
    }

    /// <summary>Leases the aggregator for the synthesis step.</summary>
    public Task<ExpertLease> AcquireAggregatorAsync(string aggregator, CancellationToken cancellationToken) =>
        experts.AcquireAsync(aggregator, null, cancellationToken);

    private IEmbeddingGenerator<string, Embedding<float>> Embedder() =>
        _options.EmbeddingExpert is { Length: > 0 } id ? new LeasingEmbeddingGenerator(experts, id) : Lexical;

    private static double? SelfCertainty(ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue("self_certainty", out var v) == true && v is double d ? d : null;
}
