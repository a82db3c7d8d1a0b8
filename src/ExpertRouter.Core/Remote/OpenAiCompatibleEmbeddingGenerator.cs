using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI.Embeddings;

namespace ExpertRouter.Core.Remote;

/// <summary><see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over an OpenAI-compatible <c>/embeddings</c> endpoint.</summary>
public sealed class OpenAiCompatibleEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingClient _client;
    private readonly string _expertId;
    private readonly Uri _endpoint;
    private readonly EmbeddingGeneratorMetadata _metadata;

    public OpenAiCompatibleEmbeddingGenerator(string expertId, Uri baseUrl, string model, string? apiKey, RemoteExpertOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        _expertId = expertId;
        _endpoint = baseUrl;
        _client = new EmbeddingClient(model, new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "none" : apiKey), OpenAiCompatibleChatClient.ClientOptions(baseUrl, options));
        _metadata = new EmbeddingGeneratorMetadata("openai-compatible", baseUrl, model);
    }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, Microsoft.Extensions.AI.EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        OpenAIEmbeddingCollection result;
        try
        {
            var o = new OpenAI.Embeddings.EmbeddingGenerationOptions { Dimensions = options?.Dimensions };
            result = (await _client.GenerateEmbeddingsAsync(values, o, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception e) when (RemoteErrors.Translate(_expertId, _endpoint, e, cancellationToken) is var t && t != e)
        {
            throw t;
        }

        return new GeneratedEmbeddings<Embedding<float>>(result.OrderBy(e => e.Index).Select(e => new Embedding<float>(e.ToFloats()) { ModelId = result.Model }))
        {
            Usage = result.Usage is { } u ? new UsageDetails { InputTokenCount = u.InputTokenCount, TotalTokenCount = u.TotalTokenCount } : null,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
    }
}
