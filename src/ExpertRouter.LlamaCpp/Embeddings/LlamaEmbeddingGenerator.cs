using Microsoft.Extensions.AI;

namespace ExpertRouter.LlamaCpp.Embeddings;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over a loaded <see cref="LlamaModel"/>:
/// mean pooling over the input's tokens, L2-normalised. An input's vector does not depend on the
/// other inputs of the call.
/// </summary>
public sealed class LlamaEmbeddingGenerator(LlamaModel model, string? modelId = null) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("llama.cpp", null, modelId ?? Path.GetFileNameWithoutExtension(model.Path), model.EmbeddingDimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values.ToList();
        if (options?.Dimensions is { } d && d != model.EmbeddingDimensions)
        {
            throw new ArgumentException($"This model produces {model.EmbeddingDimensions}-dimensional embeddings; {d} were requested.", nameof(options));
        }

        var vectors = await model.EmbedAsync(inputs, cancellationToken).ConfigureAwait(false);
        var tokens = inputs.Sum(s => (long)model.Vocabulary.Tokenize(s, true, false).Length);
        var created = DateTimeOffset.UtcNow;
        var result = new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v)
        {
            ModelId = _metadata.DefaultModelId,
            CreatedAt = created,
        }))
        {
            Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens },
        };
        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
    }
}
