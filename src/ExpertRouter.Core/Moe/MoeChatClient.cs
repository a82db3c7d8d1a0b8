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
        var list = messages.ToList();
        var overrides = MoeOverrides.From(options?.AdditionalProperties);
        var plan = await router.PlanAsync(Question(list), overrides, cancellationToken).ConfigureAwait(false);
        var draft = await executor.GatherAsync(plan, list, options, overrides, null, cancellationToken).ConfigureAwait(false);
        plan.Explanation.Aggregation = draft.Explanation;
        string text;
        var finish = draft.FinishReason;
        var usage = draft.Usage;
        if (draft.FinalText is not null)
        {
            text = draft.FinalText;
        }
        else
        {
            using var lease = await executor.AcquireAggregatorAsync(draft.Aggregator!, cancellationToken).ConfigureAwait(false);
            var synthesis = await lease.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, draft.SynthesisPrompt!)], SynthesisOptions(options), cancellationToken).ConfigureAwait(false);
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
        var list = messages.ToList();
        var overrides = MoeOverrides.From(options?.AdditionalProperties);
        var plan = await router.PlanAsync(Question(list), overrides, cancellationToken).ConfigureAwait(false);
        yield return new ChatResponseUpdate(ChatRole.Assistant, (string?)null) { ModelId = modelId, AdditionalProperties = new() { [RoutingKey] = plan.Explanation } };

        // Experts answer in the background while their progress is streamed.
        var progress = Channel.CreateUnbounded<string>();
        var gather = executor.GatherAsync(plan, list, options, overrides, new ChannelProgress(progress.Writer), cancellationToken);
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
        await foreach (var u in lease.Chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, draft.SynthesisPrompt!)], SynthesisOptions(options), cancellationToken).ConfigureAwait(false))
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

    private static ChatOptions SynthesisOptions(ChatOptions? request) => new()
    {
        Temperature = 0,
        MaxOutputTokens = request?.MaxOutputTokens,
        StopSequences = request?.StopSequences,
        Seed = request?.Seed,
    };

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
