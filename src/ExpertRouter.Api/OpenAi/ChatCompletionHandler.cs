using System.Text.Json;
using System.Threading.Channels;
using ExpertRouter.Api.Configuration;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c> on one expert: validates, leases the expert (loading it within the
/// memory budget; streaming clients see <c>: loading ...</c> comments meanwhile), runs the <c>n</c>
/// choices concurrently (they share the model's decode batches) and answers as OpenAI does, in one
/// JSON document or as server-sent events.
/// </summary>
public sealed class ChatCompletionHandler(IExpertClientProvider experts, RouterCatalog routers, IOptions<ExpertRouterOptions> options)
{
    public const string ExpertHeader = "X-ExpertRouter-Expert";
    public const string RoutingHeader = "X-ExpertRouter-Routing";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.RequestAborted;
        ErrorMapper.LimitBody(context, options.Value.MaxRequestBodyBytes);
        var body = await JsonSerializer.DeserializeAsync<ChatCompletionRequest>(context.Request.Body, OpenAiJson.Options, ct).ConfigureAwait(false);
        var request = ChatRequestParser.Parse(body, options.Value.MaxChoices);
        var sse = request.Stream ? new SseWriter(context.Response, OpenAiJson.Options) : null;
        if (routers.Resolve(request.Model) is { } router)
        {
            await RoutedAsync(context, router.Client, router.Profile, request, sse, ct).ConfigureAwait(false);
            return;
        }

        if (RouterCatalog.IsRouterModel(request.Model))
        {
            throw Core.Experts.ExpertNotFoundException.For(request.Model);
        }

        using var lease = await AcquireAsync(request.Model, sse, ct).ConfigureAwait(false);
        context.Response.Headers[ExpertHeader] = lease.Expert.Id;
        if (sse is null)
        {
            var response = await OpenAiOperations.CompleteAsync(lease, request, ct).ConfigureAwait(false);
            await Results.Json(response, OpenAiJson.Options).ExecuteAsync(context).ConfigureAwait(false);
        }
        else
        {
            await StreamAsync(lease.Chat, request, sse, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A routed virtual model: one choice; the routing explanation goes into the header and the expert_router field.</summary>
    private static async Task RoutedAsync(HttpContext context, MoeChatClient router, string? profile, ParsedChatRequest request, SseWriter? sse, CancellationToken ct)
    {
        OpenAiOperations.PrepareRouted(profile, request);
        if (sse is not null)
        {
            await StreamAsync(router, request, sse, ct, context.Response).ConfigureAwait(false);
            return;
        }

        var response = await router.GetResponseAsync(request.Messages, request.Options, ct).ConfigureAwait(false);
        var (body, explanation) = OpenAiOperations.RoutedBody(request, response);
        if (explanation is not null)
        {
            context.Response.Headers[RoutingHeader] = explanation.Summary();
        }

        await Results.Json(body, OpenAiJson.Options).ExecuteAsync(context).ConfigureAwait(false);
    }

    /// <summary>Leases the expert; while a cold model loads, streaming clients get progress comments.</summary>
    private async Task<ExpertLease> AcquireAsync(string model, SseWriter? sse, CancellationToken ct)
    {
        var latest = new LatestProgress();
        var acquire = experts.AcquireAsync(model, latest, ct);
        while (sse is not null && !acquire.IsCompleted)
        {
            await Task.WhenAny(acquire, Task.Delay(ProgressInterval, ct)).ConfigureAwait(false);
            if (!acquire.IsCompleted && latest.Value is { } message)
            {
                await sse.CommentAsync(message, ct).ConfigureAwait(false);
            }
        }

        return await acquire.ConfigureAwait(false);
    }

    private static async Task StreamAsync(IChatClient chat, ParsedChatRequest request, SseWriter sse, CancellationToken ct, HttpResponse? response = null)
    {
        RoutingExplanation? explanation = null;
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var updates = Channel.CreateUnbounded<(int Index, ChatResponseUpdate Update)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producers = Enumerable.Range(0, request.Choices).Select(async i =>
        {
            await foreach (var u in chat.GetStreamingResponseAsync(request.Messages, request.OptionsFor(i), stop.Token).ConfigureAwait(false))
            {
                await updates.Writer.WriteAsync((i, u), stop.Token).ConfigureAwait(false);
            }
        }).ToArray();
        var all = Task.WhenAll(producers);
        _ = all.ContinueWith(t => updates.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        ChatCompletionResponse Chunk(List<ChatChoiceDto> choices) => new()
        {
            Id = id,
            ObjectType = "chat.completion.chunk",
            Created = created,
            Model = request.Model,
            Choices = choices,
        };

        var started = new bool[request.Choices];
        long prompt = 0, completion = 0;
        try
        {
            await foreach (var (index, update) in updates.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (update.AdditionalProperties?.GetValueOrDefault(MoeChatClient.RoutingKey) is RoutingExplanation routing)
                {
                    explanation = routing;
                    if (!sse.Started && response is not null)
                    {
                        response.Headers[RoutingHeader] = routing.Summary();
                    }
                }

                if (update.AdditionalProperties?.GetValueOrDefault(MoeChatClient.ProgressKey) is string progress)
                {
                    await sse.CommentAsync(progress, ct).ConfigureAwait(false);
                    continue;
                }

                if (!started[index])
                {
                    started[index] = true;
                    await sse.DataAsync(Chunk([new ChatChoiceDto { Index = index, Delta = new DeltaDto { Role = "assistant", Content = "" } }]), ct).ConfigureAwait(false);
                }

                var text = update.Text;
                var logprobs = request.LogProbs ? LogProbConverter.From(update.AdditionalProperties) : null;
                if (text.Length > 0 || logprobs is { Count: > 0 })
                {
                    await sse.DataAsync(Chunk([new ChatChoiceDto
                    {
                        Index = index,
                        Delta = new DeltaDto { Content = text },
                        LogProbs = logprobs is null ? null : new LogProbsDto { Content = logprobs },
                    }]), ct).ConfigureAwait(false);
                }

                if (update.Contents.OfType<UsageContent>().FirstOrDefault() is { } usage)
                {
                    prompt = Math.Max(prompt, usage.Details.InputTokenCount ?? 0);
                    completion += usage.Details.OutputTokenCount ?? 0;
                }

                if (update.FinishReason is { } finish)
                {
                    var last = Chunk([new ChatChoiceDto { Index = index, Delta = new DeltaDto(), FinishReason = OpenAiOperations.FinishReason(finish) }]);
                    if (explanation is not null)
                    {
                        last.ExpertRouter = new { routing = explanation };
                    }

                    await sse.DataAsync(last, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            if (!sse.Started)
            {
                throw; // nothing sent yet: a normal HTTP error response
            }

            var mapped = ErrorMapper.Map(e, out _);
            await sse.DataAsync(ErrorMapper.Envelope(mapped), ct).ConfigureAwait(false);
            await sse.DoneAsync(ct).ConfigureAwait(false);
            return;
        }

        if (request.IncludeUsage)
        {
            var last = Chunk([]);
            last.Usage = new UsageDto { PromptTokens = prompt, CompletionTokens = completion, TotalTokens = prompt + completion };
            await sse.DataAsync(last, ct).ConfigureAwait(false);
        }

        await sse.DoneAsync(ct).ConfigureAwait(false);
    }

    private sealed class LatestProgress : IProgress<string>
    {
        private volatile string? _value;

        public string? Value => _value;

        public void Report(string value) => _value = value;
    }
}
