using ExpertRouter.Core.Embeddings;
using ExpertRouter.Core.Experts;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// The embedder every router uses (keyword mapping, instructions, pilots, routing memory): the expert
/// named by <see cref="MoeOptions.EmbeddingExpert"/>, leased per call, or the built-in lexical
/// embedder (no model needed) by default. <see cref="Name"/> says which one is active.
/// </summary>
public sealed class RouterEmbedder
{
    private static readonly LexicalEmbeddingGenerator Lexical = new();

    public RouterEmbedder(IExpertClientProvider experts, IOptions<MoeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var id = options.Value.EmbeddingExpert;
        Generator = id is { Length: > 0 } ? new LeasingEmbeddingGenerator(experts, id) : Lexical;
        Name = id is { Length: > 0 } ? "expert:" + id : LexicalEmbeddingGenerator.ProviderName + " (built-in lexical embedder)";
    }

    public IEmbeddingGenerator<string, Embedding<float>> Generator { get; }

    public string Name { get; }

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var result = await Generator.GenerateAsync(texts, null, cancellationToken).ConfigureAwait(false);
        return [.. result.Select(e => e.Vector.ToArray())];
    }
}
