using ExpertRouter.Core.Experts;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Embeds with an expert's embedding generator, leasing the expert for each call (so a cached
/// keyword mapper keeps working when the model is unloaded and loaded again between requests).
/// </summary>
public sealed class LeasingEmbeddingGenerator(IExpertClientProvider experts, string expertId) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("expert:" + expertId, null, expertId);

    public string ExpertId => expertId;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var lease = await experts.AcquireAsync(expertId, null, cancellationToken).ConfigureAwait(false);
        var generator = lease.Embeddings ?? throw new MoeUnavailableException($"The embedding expert '{expertId}' does not produce embeddings.");
        return await generator.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
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
