using ExpertRouter.Core.Embeddings;
using ExpertRouter.Core.Experts;

namespace ExpertRouter.Testing;

/// <summary>Serves <see cref="ScriptedExpert"/>s by id (embeddings from the built-in lexical embedder).</summary>
public sealed class ScriptedExpertProvider(IEnumerable<ScriptedExpert> experts) : IExpertClientProvider
{
    private readonly Dictionary<string, ScriptedExpert> _experts = experts.ToDictionary(e => e.Id);
    private static readonly LexicalEmbeddingGenerator Embeddings = new();

    public IReadOnlyDictionary<string, ScriptedExpert> Experts => _experts;

    public int Leases { get; private set; }

    public Task<ExpertLease> AcquireAsync(string expertId, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!_experts.TryGetValue(expertId, out var e))
        {
            throw ExpertNotFoundException.For(expertId);
        }

        Leases++;
        return Task.FromResult(new ExpertLease(new ExpertDefinition { Id = expertId, Kind = ExpertKind.OpenAi }, e, Embeddings, false, null));
    }
}
