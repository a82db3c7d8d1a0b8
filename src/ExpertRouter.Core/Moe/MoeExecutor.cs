using ExpertRouter.Core.Aggregation;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Validation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Runs a routing plan (ALGORITHMS.md section 1 step 9, section 5): every recruited instance answers
/// (experts leased one after another, each expert's instances together so they share its decode
/// batches), then the answers are aggregated: passthrough, consensus short-circuit, voting,
/// self-certainty voting, or LLM synthesis by the profile's aggregator (left to the caller, so it can
/// stream). Shared by every router. Thread-safe.
/// </summary>
public sealed class MoeExecutor(IExpertStore registry, IExpertClientProvider experts, PromptLibrary prompts, IOptions<MoeOptions> options)
{
    private readonly MoeOptions _options = options.Value;

    /// <summary>Has every recruited instance answer, then decides how to aggregate (the synthesis itself is left to the caller, so it can stream).</summary>
    public async Task<MoeDraft> GatherAsync(RoutingPlan plan, IReadOnlyList<ChatMessage> messages, ChatOptions? chatOptions, MoeOverrides overrides, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var answers = await AnswerAsync(Calls(plan, chatOptions, overrides), messages, progress, cancellationToken).ConfigureAwait(false);
        return await DraftAsync(plan, answers, overrides, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a plan's expert calls (answers in call order), each expert leased once for all its instances so they share its decode batches.</summary>
    public async Task<ChatResponse[]> AnswerAsync(IReadOnlyList<InstanceCall> calls, IReadOnlyList<ChatMessage> messages, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var responses = new ChatResponse[calls.Count];
        foreach (var group in calls.GroupBy(c => c.ExpertId, StringComparer.Ordinal))
        {
            progress?.Report($"{group.Key} answering ({group.Count()} instance{(group.Count() > 1 ? "s" : "")})");
            using var lease = await experts.AcquireAsync(group.Key, progress, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(group.Select(async c => responses[c.Index] = await lease.Chat.GetResponseAsync(messages, c.Options, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);
        }

        return responses;
    }

    /// <summary>
    /// The expert calls of a plan, one per recruited instance (in plan order): the request's options with the expert
    /// temperature as default and a per-instance seed (base seed + index) when a seed is given.
    /// </summary>
    public IReadOnlyList<InstanceCall> Calls(RoutingPlan plan, ChatOptions? chatOptions, MoeOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(overrides);
        var baseSeed = chatOptions?.Seed ?? overrides.Seed;
        return [.. plan.Selected.Select((id, i) =>
        {
            var o = chatOptions?.Clone() ?? new ChatOptions();
            o.Temperature ??= _options.ExpertTemperature;
            o.Seed = baseSeed is { } s ? s + i : null;
            o.AdditionalProperties = null; // router overrides are not engine settings
            return new InstanceCall(id, i, o);
        })];
    }

    /// <summary>Decides from the instances' answers (plan order) how to aggregate: a final text, or a synthesis left to do.</summary>
    public async Task<MoeDraft> DraftAsync(RoutingPlan plan, IReadOnlyList<ChatResponse> responses, MoeOverrides overrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(overrides);
        if (responses.Count != plan.Selected.Count)
        {
            throw new ArgumentException($"{responses.Count} answers for {plan.Selected.Count} recruited instances.", nameof(responses));
        }

        var instances = plan.Selected.Select((id, i) => (ExpertId: id, Response: responses[i])).ToArray();
        var (kind, choices) = QuestionKinds.Infer(plan.Question);
        var candidates = instances.Select(x => new CandidateAnswer(x.ExpertId, x.Response.Text,
            AnswerExtractor.Extract(x.Response.Text, kind, choices), ProfilingRunner.SelfCertainty(x.Response))).ToList();
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
        var aggregator = plan.Profile?.Aggregator;
        if (aggregator is null || await registry.GetAsync(aggregator, cancellationToken).ConfigureAwait(false) is null)
        {
            var vote = Voting.Majority(candidates);
            var winner = vote.Winner is null ? 0 : candidates.FindIndex(c => c.Extracted == vote.Winner);
            return Final("vote", Math.Max(0, winner), vote.Tally);
        }

        var prompt = ProfilingRunner.AggregationPrompt(prompts, plan.Question, null, kind, [.. instances.Select(x => x.Response.Text)]);
        return new MoeDraft(null, aggregator, prompt, new AggregationExplanation("synthesis", aggregator, answers, null), usage, ChatFinishReason.Stop);
    }

    /// <summary>The messages of the synthesis step.</summary>
    public static IList<ChatMessage> SynthesisMessages(MoeDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return [new ChatMessage(ChatRole.User, draft.SynthesisPrompt ?? throw new ArgumentException("This draft needs no synthesis.", nameof(draft)))];
    }

    /// <summary>The options of the synthesis step: greedy, with the request's length, stops and seed.</summary>
    public static ChatOptions SynthesisOptions(ChatOptions? request) => new()
    {
        Temperature = 0,
        MaxOutputTokens = request?.MaxOutputTokens,
        StopSequences = request?.StopSequences,
        Seed = request?.Seed,
    };

    /// <summary>Leases the aggregator for the synthesis step.</summary>
    public Task<ExpertLease> AcquireAggregatorAsync(string aggregator, CancellationToken cancellationToken) =>
        experts.AcquireAsync(aggregator, null, cancellationToken);
}

/// <summary>One recruited instance's expert call: the expert, its index in the plan, and its options.</summary>
public sealed record InstanceCall(string ExpertId, int Index, ChatOptions Options);
