using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// A routed virtual model (<c>moe/symbolic</c>, <c>moe/retriever</c>, ...) as an <see cref="IChatClient"/>: a router that picks and
/// calls other experts. The response's AdditionalProperties carry <c>routing</c> (a
/// <see cref="RoutingExplanation"/>). Streaming yields, in order: an update carrying the routing
/// decision (no text), <c>progress</c> updates while experts answer, then the final answer's text
/// (the aggregator's output is streamed as it is generated).
/// </summary>
public sealed class MoeChatClient(IMoeRouter router, MoeExecutor executor, string modelId, IRoutedAnswerRecorder? recorder = null) : IChatClient
{
    public const string RoutingKey = "routing";
    public const string ProgressKey = "progress";

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = await PlanAsync(messages, options, cancellationToken).ConfigureAwait(false);
        var draft = await GatherAsync(request, null, cancellationToken).ConfigureAwait(false);
        ChatResponse? synthesis = null;
        if (draft.FinalText is null)
        {
            using var lease = await executor.AcquireAggregatorAsync(draft.Aggregator!, cancellationToken).ConfigureAwait(false);
            synthesis = await lease.Chat.GetResponseAsync(MoeExecutor.SynthesisMessages(draft), MoeExecutor.SynthesisOptions(options), cancellationToken).ConfigureAwait(false);
        }

        return await CompleteAsync(request, draft, synthesis, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Step 1 of a routed answer done in phases (batch jobs run each phase for many requests at once, grouped by
    /// model): the routing decision and the expert calls it implies. Then the caller runs <see cref="RoutedRequest.Calls"/>,
    /// asks <see cref="DraftAsync"/>, runs the synthesis when the draft needs one, and ends with <see cref="CompleteAsync"/>.
    /// The answer equals <see cref="GetResponseAsync"/>'s for the same request.
    /// </summary>
    public async Task<RoutedRequest> PlanAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var list = messages.ToList();
        var overrides = MoeOverrides.From(options?.AdditionalProperties);
        var plan = await router.PlanAsync(Question(list), overrides, cancellationToken).ConfigureAwait(false);
        return new RoutedRequest(list, options, overrides, plan, executor.Calls(plan, options, overrides));
    }

    /// <summary>Step 2: from the instances' answers (in <see cref="RoutedRequest.Calls"/> order), the aggregation decision.</summary>
    public Task<MoeDraft> DraftAsync(RoutedRequest request, IReadOnlyList<ChatResponse> answers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return executor.DraftAsync(request.Plan, answers, request.Overrides, cancellationToken);
    }

    /// <summary>Steps 1b and 2 for one request: its expert calls, then the aggregation decision.</summary>
    private async Task<MoeDraft> GatherAsync(RoutedRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var answers = await executor.AnswerAsync(request.Calls, request.Messages, progress, cancellationToken).ConfigureAwait(false);
        return await DraftAsync(request, answers, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Step 3: the answer, from the draft's final text or the aggregator's <paramref name="synthesis"/>; recorded for feedback.</summary>
    public async Task<ChatResponse> CompleteAsync(RoutedRequest request, MoeDraft draft, ChatResponse? synthesis, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(draft);
        var plan = request.Plan;
        plan.Explanation.Aggregation = draft.Explanation;
        var usage = draft.Usage;
        string text;
        var finish = draft.FinishReason;
        if (draft.FinalText is not null)
        {
            text = draft.FinalText;
        }
        else
        {
            ArgumentNullException.ThrowIfNull(synthesis);
            text = synthesis.Text;
            finish = synthesis.FinishReason ?? ChatFinishReason.Stop;
            if (synthesis.Usage is { } u)
            {
                usage.Add(u);
            }
        }

        var responseId = await RecordAsync(plan, cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = modelId,
            ResponseId = responseId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = finish,
            Usage = usage,
            AdditionalProperties = new() { [RoutingKey] = plan.Explanation },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = await PlanAsync(messages, options, cancellationToken).ConfigureAwait(false);
        var plan = request.Plan;
        yield return new ChatResponseUpdate(ChatRole.Assistant, (string?)null) { ModelId = modelId, AdditionalProperties = new() { [RoutingKey] = plan.Explanation } };

        // Experts answer in the background while their progress is streamed.
        var progress = Channel.CreateUnbounded<string>();
        var gather = GatherAsync(request, new ChannelProgress(progress.Writer), cancellationToken);
        _ = gather.ContinueWith(_ => progress.Writer.TryComplete(), TaskScheduler.Default);
        await foreach (var message in progress.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, (string?)null) { ModelId = modelId, AdditionalProperties = new() { [ProgressKey] = message } };
        }

        var draft = await gather.ConfigureAwait(false);
        plan.Explanation.Aggregation = draft.Explanation;
        var usage = draft.Usage;
        if (draft.FinalText is not null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, draft.FinalText) { ModelId = modelId };
            yield return Last(draft.FinishReason, usage, plan, await RecordAsync(plan, cancellationToken).ConfigureAwait(false));
            yield break;
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, (string?)null) { ModelId = modelId, AdditionalProperties = new() { [ProgressKey] = $"{draft.Aggregator} synthesising the final answer" } };
        using var lease = await executor.AcquireAggregatorAsync(draft.Aggregator!, cancellationToken).ConfigureAwait(false);
        ChatFinishReason finish = ChatFinishReason.Stop;
        await foreach (var u in lease.Chat.GetStreamingResponseAsync(MoeExecutor.SynthesisMessages(draft), MoeExecutor.SynthesisOptions(options), cancellationToken).ConfigureAwait(false))
        {
            if (u.Contents.OfType<UsageContent>().FirstOrDefault() is { } uc)
            {
                usage.Add(uc.Details);
            }

            finish = u.FinishReason ?? finish;
            if (u.Text.Length > 0)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, u.Text) { ModelId = modelId };
            }
        }

        yield return Last(finish, usage, plan, await RecordAsync(plan, cancellationToken).ConfigureAwait(false));
    }

    private ChatResponseUpdate Last(ChatFinishReason finish, UsageDetails usage, RoutingPlan plan, string responseId) =>
        new(ChatRole.Assistant, [new UsageContent(usage)])
        {
            ModelId = modelId,
            ResponseId = responseId,
            FinishReason = finish,
            AdditionalProperties = new() { [RoutingKey] = plan.Explanation },
        };

    /// <summary>Gives the answer its id and remembers it for feedback.</summary>
    private async Task<string> RecordAsync(RoutingPlan plan, CancellationToken cancellationToken)
    {
        var responseId = "chatcmpl-" + Guid.NewGuid().ToString("N");
        plan.Explanation.ResponseId = responseId;
        if (recorder is not null)
        {
            await recorder.RecordAsync(responseId, plan.Question, plan.Selected, router.Name, cancellationToken).ConfigureAwait(false);
        }

        return responseId;
    }

    /// <summary>The question routed on: the last user message.</summary>
    public static string Question(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text
            ?? throw new ArgumentException("A routed request needs at least one user message.", nameof(messages));
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
    }

    private sealed class ChannelProgress(ChannelWriter<string> writer) : IProgress<string>
    {
        public void Report(string value) => writer.TryWrite(value);
    }
}

/// <summary>A routed request planned for phased execution: its messages, options, routing plan and the expert calls to run.</summary>
public sealed record RoutedRequest(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, MoeOverrides Overrides, RoutingPlan Plan, IReadOnlyList<InstanceCall> Calls);
