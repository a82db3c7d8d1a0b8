using System.Runtime.CompilerServices;
using ExpertRouter.LlamaCpp.Generation;
using Microsoft.Extensions.AI;

namespace ExpertRouter.LlamaCpp.Chat;

/// <summary>
/// <see cref="IChatClient"/> over a loaded <see cref="LlamaModel"/>. Concurrent calls share the
/// model's decode loop (they are decoded in the same batches). The response's
/// <see cref="ChatResponse.AdditionalProperties"/> carry <c>self_certainty</c> (mean KL(U || p) of
/// the answer's tokens) and, when asked with <c>logprobs</c>, the per-token <c>logprobs</c>.
/// </summary>
public sealed class LlamaChatClient(LlamaModel model, string? modelId = null, SamplingOptions? defaults = null) : IChatClient
{
    public const string SelfCertaintyKey = "self_certainty";
    public const string TokensKey = "logprobs";

    private readonly SamplingOptions _defaults = defaults ?? new SamplingOptions();
    private readonly ChatClientMetadata _metadata = new("llama.cpp", null, modelId ?? Path.GetFileNameWithoutExtension(model.Path));

    public LlamaModel Model => model;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = BuildRequest(messages, options);
        var keepTokens = ChatRequestMapper.WantsLogProbs(options);
        var tokens = keepTokens ? new List<GeneratedToken>() : null;
        GenerationResult? result = null;
        await foreach (var update in model.GenerateStreamingAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (update.Token is not null)
            {
                tokens?.Add(update.Token);
            }

            result = update.Result ?? result;
        }

        if (result is null)
        {
            throw new GenerationFailedException("The generation ended without a result.");
        }

        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, result.Text))
        {
            ModelId = options?.ModelId ?? _metadata.DefaultModelId,
            ResponseId = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = MapFinish(result.FinishReason),
            Usage = Usage(result),
            AdditionalProperties = new() { [SelfCertaintyKey] = result.MeanSelfCertainty },
        };
        if (tokens is not null)
        {
            response.AdditionalProperties[TokensKey] = tokens;
        }

        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = BuildRequest(messages, options);
        var responseId = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        var modelName = options?.ModelId ?? _metadata.DefaultModelId;
        var keepTokens = ChatRequestMapper.WantsLogProbs(options);
        await foreach (var update in model.GenerateStreamingAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (update.Result is { } result)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(result))])
                {
                    ResponseId = responseId,
                    CreatedAt = created,
                    ModelId = modelName,
                    FinishReason = MapFinish(result.FinishReason),
                    AdditionalProperties = new() { [SelfCertaintyKey] = result.MeanSelfCertainty },
                };
                continue;
            }

            if (update.TextDelta.Length == 0 && !(keepTokens && update.Token is not null))
            {
                continue;
            }

            var chunk = new ChatResponseUpdate(ChatRole.Assistant, update.TextDelta)
            {
                ResponseId = responseId,
                CreatedAt = created,
                ModelId = modelName,
            };
            if (keepTokens && update.Token is not null)
            {
                chunk.AdditionalProperties = new() { [TokensKey] = new[] { update.Token } };
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

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(model) ? model : null;
    }

    public void Dispose()
    {
        // The model is owned by whoever loaded it (the model manager), not by this client.
    }

    /// <summary>Builds the engine request: template, tokenization, sampling, limits.</summary>
    public GenerationRequest BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var (prompt, _) = ChatPromptFormatter.Format(model.ChatTemplate, messages);
        var tokens = model.Vocabulary.Tokenize(prompt, addSpecial: model.Vocabulary.AddsBos, parseSpecial: true);
        return new GenerationRequest
        {
            Prompt = tokens,
            Sampling = ChatRequestMapper.ToSampling(options, _defaults),
            MaxTokens = options?.MaxOutputTokens,
            StopStrings = options?.StopSequences?.ToArray() ?? [],
            TopLogProbs = ChatRequestMapper.TopLogProbs(options),
            StopAtEndOfGeneration = !ChatRequestMapper.IgnoresEos(options),
        };
    }

    private static ChatFinishReason MapFinish(FinishReason reason) =>
        reason == FinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    private static UsageDetails Usage(GenerationResult r) => new()
    {
        InputTokenCount = r.PromptTokens,
        OutputTokenCount = r.CompletionTokens,
        TotalTokenCount = r.PromptTokens + r.CompletionTokens,
    };
}
