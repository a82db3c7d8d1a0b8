using System.Runtime.InteropServices;
using System.Text.Json;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Api.OpenAi;

/// <summary>
/// The OpenAI operations shared by the online endpoints and batch lines: the same validation (the
/// chat request parser, the embeddings rules and messages), the same engine calls and the same
/// response bodies, so a batch line answers exactly what the same request made online answers (with
/// greedy decoding, byte-identical text).
/// </summary>
internal static class OpenAiOperations
{
    public const string ChatEndpoint = "/v1/chat/completions";
    public const string EmbeddingsEndpoint = "/v1/embeddings";

    /// <summary>Validates a chat body; throws <see cref="OpenAiException"/> or <see cref="JsonException"/> (both become the online 400).</summary>
    public static ParsedChatRequest ParseChat(JsonElement body, int maxChoices)
    {
        var request = body.Deserialize<ChatCompletionRequest>(OpenAiJson.Options);
        return ChatRequestParser.Parse(request, maxChoices);
    }

    /// <summary>Validates an embeddings request (as deserialized from its body) with the online endpoint's rules.</summary>
    public static ParsedEmbeddingRequest ParseEmbeddings(EmbeddingRequest? request)
    {
        if (request is null)
        {
            throw OpenAiException.Invalid("The request body must be a JSON object.", null, "invalid_json");
        }

        if (string.IsNullOrWhiteSpace(request.Model))
        {
            throw OpenAiException.Invalid("'model' is required.", "model", "missing_required_parameter");
        }

        var inputs = ParseInput(request.Input);
        var base64 = request.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw OpenAiException.Invalid($"'encoding_format' must be 'float' or 'base64' (got '{request.EncodingFormat}').", "encoding_format"),
        };
        if (request.Dimensions is < 1)
        {
            throw OpenAiException.Invalid("'dimensions' must be positive.", "dimensions");
        }

        return new ParsedEmbeddingRequest(request.Model, inputs, base64, request.Dimensions);
    }

    /// <summary>A chat completion on a leased expert: the <c>n</c> choices run concurrently (sharing decode batches), as online.</summary>
    public static async Task<ChatCompletionResponse> CompleteAsync(ExpertLease lease, ParsedChatRequest request, CancellationToken ct)
    {
        // One failing choice cancels its siblings, as online.
        using var siblings = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tasks = Enumerable.Range(0, request.Choices).Select(async i =>
        {
            try
            {
                return await lease.Chat.GetResponseAsync(request.Messages, request.OptionsFor(i), siblings.Token).ConfigureAwait(false);
            }
            catch
            {
                await siblings.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the failure that caused the cancellation is reported below
        }

        if (tasks.FirstOrDefault(t => t.IsFaulted) is { } failed)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed.Exception!.InnerException!);
        }

        ct.ThrowIfCancellationRequested();
        var responses = tasks.Select(t => t.Result).ToArray();
        var prompt = responses.Max(r => r.Usage?.InputTokenCount ?? 0);
        var completion = responses.Sum(r => r.Usage?.OutputTokenCount ?? 0);
        return new ChatCompletionResponse
        {
            Id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Model = request.Model,
            Choices = [.. responses.Select((r, i) => new ChatChoiceDto
            {
                Index = i,
                Message = new AssistantMessageDto { Content = r.Text },
                FinishReason = FinishReason(r.FinishReason),
                LogProbs = request.LogProbs ? new LogProbsDto { Content = LogProbConverter.From(r.AdditionalProperties) ?? [] } : null,
            })],
            Usage = new UsageDto { PromptTokens = prompt, CompletionTokens = completion, TotalTokens = prompt + completion },
            ExpertRouter = new { expert = lease.Expert.Id, kind = lease.Expert.Kind.ToString().ToLowerInvariant(), loaded_for_request = lease.LoadedForThisRequest },
        };
    }

    /// <summary>Checks a routed request (one choice) and pins the model's profile in its options.</summary>
    public static void PrepareRouted(string? profile, ParsedChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Choices != 1)
        {
            throw OpenAiException.Invalid("'n' must be 1 for routed models (the router already combines several experts).", "n");
        }

        if (profile is not null)
        {
            request.Options.AdditionalProperties ??= [];
            request.Options.AdditionalProperties["profile"] = profile;
        }
    }

    /// <summary>The response body of a routed answer.</summary>
    public static (ChatCompletionResponse Response, RoutingExplanation? Explanation) RoutedBody(ParsedChatRequest request, ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        var explanation = response.AdditionalProperties?.GetValueOrDefault(MoeChatClient.RoutingKey) as RoutingExplanation;
        var usage = response.Usage;
        return (new ChatCompletionResponse
        {
            Id = response.ResponseId ?? "chatcmpl-" + Guid.NewGuid().ToString("N"),
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Model = request.Model,
            Choices = [new ChatChoiceDto { Index = 0, Message = new AssistantMessageDto { Content = response.Text }, FinishReason = FinishReason(response.FinishReason) }],
            Usage = new UsageDto { PromptTokens = usage?.InputTokenCount ?? 0, CompletionTokens = usage?.OutputTokenCount ?? 0, TotalTokens = usage?.TotalTokenCount ?? 0 },
            ExpertRouter = new { routing = explanation },
        }, explanation);
    }

    /// <summary>Embeddings on a leased expert, as online.</summary>
    public static async Task<EmbeddingResponse> EmbedAsync(ExpertLease lease, ParsedEmbeddingRequest request, CancellationToken ct)
    {
        var generator = lease.Embeddings ?? throw new OpenAiException(400, $"Model '{request.Model}' does not produce embeddings.", "model", "unsupported_model");
        var result = await generator.GenerateAsync(request.Inputs, new EmbeddingGenerationOptions { Dimensions = request.Dimensions }, ct).ConfigureAwait(false);
        var tokens = result.Usage?.InputTokenCount ?? 0;
        return new EmbeddingResponse
        {
            Data = [.. result.Select((e, i) => new EmbeddingDto
            {
                Index = i,
                Embedding = request.Base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(e.Vector.Span)) : e.Vector.ToArray(),
            })],
            Model = request.Model,
            Usage = new EmbeddingUsageDto { PromptTokens = tokens, TotalTokens = tokens },
        };
    }

    public static string FinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.Length ? "length" : reason == ChatFinishReason.ContentFilter ? "content_filter" : "stop";

    private static List<string> ParseInput(JsonElement? input)
    {
        if (input is not { } i || i.ValueKind == JsonValueKind.Null)
        {
            throw OpenAiException.Invalid("'input' is required: a string or an array of strings.", "input", "missing_required_parameter");
        }

        List<string> list = i.ValueKind switch
        {
            JsonValueKind.String => [i.GetString()!],
            JsonValueKind.Array when i.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. i.EnumerateArray().Select(e => e.GetString()!)],
            JsonValueKind.Array => throw OpenAiException.Invalid("'input' arrays must hold strings (token-id input is not supported).", "input", "invalid_type"),
            _ => throw OpenAiException.Invalid("'input' must be a string or an array of strings.", "input", "invalid_type"),
        };
        if (list.Count == 0)
        {
            throw OpenAiException.Invalid("'input' must not be an empty array.", "input", "empty_array");
        }

        if (list.Count > EmbeddingsHandler.MaxInputs)
        {
            throw OpenAiException.Invalid($"'input' has {list.Count} items; at most {EmbeddingsHandler.MaxInputs} are accepted.", "input");
        }

        if (list.Any(string.IsNullOrEmpty))
        {
            throw OpenAiException.Invalid("'input' must not contain empty strings.", "input");
        }

        return list;
    }
}
