using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using AiFinishReason = Microsoft.Extensions.AI.ChatFinishReason;

namespace ExpertRouter.Core.Remote;

/// <summary>
/// <see cref="IChatClient"/> over any OpenAI-compatible endpoint (the official OpenAI .NET client with
/// a custom base URL), with a per-attempt timeout and retries on transient errors. Failures surface
/// as <see cref="Experts.ExpertUnavailableException"/>. When log-probabilities are asked for
/// (<c>logprobs</c> in AdditionalProperties) the remote's are returned under the same key.
/// </summary>
public sealed class OpenAiCompatibleChatClient : IChatClient
{
    public const string LogProbsKey = "logprobs";
    public const string TopLogProbsKey = "top_logprobs";

    private readonly ChatClient _client;
    private readonly string _expertId;
    private readonly Uri _endpoint;
    private readonly ChatClientMetadata _metadata;

    public OpenAiCompatibleChatClient(string expertId, Uri baseUrl, string model, string? apiKey, RemoteExpertOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(options);
        _expertId = expertId;
        _endpoint = baseUrl;
        _client = new ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "none" : apiKey), ClientOptions(baseUrl, options));
        _metadata = new ChatClientMetadata("openai-compatible", baseUrl, model);
    }

    internal static OpenAIClientOptions ClientOptions(Uri baseUrl, RemoteExpertOptions options) => new()
    {
        Endpoint = baseUrl,
        NetworkTimeout = options.Timeout,
        RetryPolicy = new ClientRetryPolicy(Math.Max(0, options.MaxRetries)),
    };

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatCompletion completion;
        try
        {
            completion = (await _client.CompleteChatAsync(Map(messages), Map(options), cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception e) when (RemoteErrors.Translate(_expertId, _endpoint, e, cancellationToken) is var t && t != e)
        {
            throw t;
        }

        var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
        var response = new ChatResponse(new AiChatMessage(AiChatRole.Assistant, text))
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            CreatedAt = completion.CreatedAt,
            FinishReason = Map(completion.FinishReason),
            Usage = completion.Usage is { } u ? new UsageDetails { InputTokenCount = u.InputTokenCount, OutputTokenCount = u.OutputTokenCount, TotalTokenCount = u.TotalTokenCount } : null,
            RawRepresentation = completion,
        };
        if (completion.ContentTokenLogProbabilities is { Count: > 0 } lp)
        {
            response.AdditionalProperties = new() { [LogProbsKey] = lp };
        }

        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = _client.CompleteChatStreamingAsync(Map(messages), Map(options), cancellationToken);
        await using var e = stream.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            StreamingChatCompletionUpdate update;
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }

                update = e.Current;
            }
            catch (Exception ex) when (RemoteErrors.Translate(_expertId, _endpoint, ex, cancellationToken) is var t && t != ex)
            {
                throw t;
            }

            var text = string.Concat(update.ContentUpdate.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
            var contents = new List<AIContent>();
            if (text.Length > 0)
            {
                contents.Add(new TextContent(text));
            }

            if (update.Usage is { } u)
            {
                contents.Add(new UsageContent(new UsageDetails { InputTokenCount = u.InputTokenCount, OutputTokenCount = u.OutputTokenCount, TotalTokenCount = u.TotalTokenCount }));
            }

            var chunk = new ChatResponseUpdate(AiChatRole.Assistant, contents)
            {
                ResponseId = update.CompletionId,
                ModelId = update.Model,
                CreatedAt = update.CreatedAt,
                FinishReason = update.FinishReason is { } f ? Map(f) : null,
                RawRepresentation = update,
            };
            if (update.ContentTokenLogProbabilities is { Count: > 0 } lp)
            {
                chunk.AdditionalProperties = new() { [LogProbsKey] = lp };
            }

            yield return chunk;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
    }

    private static List<OpenAI.Chat.ChatMessage> Map(IEnumerable<AiChatMessage> messages)
    {
        var list = new List<OpenAI.Chat.ChatMessage>();
        foreach (var m in messages)
        {
            var text = m.Text ?? string.Empty;
            if (m.Role == AiChatRole.System)
            {
                list.Add(new SystemChatMessage(text));
            }
            else if (m.Role == AiChatRole.Assistant)
            {
                list.Add(new AssistantChatMessage(text));
            }
            else
            {
                list.Add(new UserChatMessage(text));
            }
        }

        return list;
    }

    private static ChatCompletionOptions Map(ChatOptions? o)
    {
        var options = new ChatCompletionOptions();
        if (o is null)
        {
            return options;
        }

        options.Temperature = o.Temperature;
        options.TopP = o.TopP;
        options.MaxOutputTokenCount = o.MaxOutputTokens;
        options.FrequencyPenalty = o.FrequencyPenalty;
        options.PresencePenalty = o.PresencePenalty;
#pragma warning disable OPENAI001 // Seed is marked experimental by the SDK
        options.Seed = o.Seed;
#pragma warning restore OPENAI001
        foreach (var s in o.StopSequences ?? [])
        {
            options.StopSequences.Add(s);
        }

        if (o.AdditionalProperties is { } extra)
        {
            if (extra.TryGetValue(LogProbsKey, out var lp) && lp is true)
            {
                options.IncludeLogProbabilities = true;
            }

            if (extra.TryGetValue(TopLogProbsKey, out var top) && top is int n && n > 0)
            {
                options.IncludeLogProbabilities = true;
                options.TopLogProbabilityCount = n;
            }
        }

        return options;
    }

    private static AiFinishReason Map(OpenAI.Chat.ChatFinishReason reason) => reason switch
    {
        OpenAI.Chat.ChatFinishReason.Length => AiFinishReason.Length,
        OpenAI.Chat.ChatFinishReason.ContentFilter => AiFinishReason.ContentFilter,
        OpenAI.Chat.ChatFinishReason.ToolCalls or OpenAI.Chat.ChatFinishReason.FunctionCall => AiFinishReason.ToolCalls,
        _ => AiFinishReason.Stop,
    };
}
