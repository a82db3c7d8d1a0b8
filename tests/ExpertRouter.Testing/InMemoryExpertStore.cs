using System.Collections.Concurrent;
using ExpertRouter.Core.Experts;

namespace ExpertRouter.Testing;

/// <summary>A thread-safe in-memory <see cref="IExpertStore"/> for logic tests.</summary>
public sealed class InMemoryExpertStore : IExpertStore
{
    private readonly ConcurrentDictionary<string, ExpertDefinition> _experts = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<ExpertDefinition>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ExpertDefinition>>([.. _experts.Values.OrderBy(e => e.Id, StringComparer.Ordinal)]);

    public Task<ExpertDefinition?> GetAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult(_experts.GetValueOrDefault(id));

    public Task<bool> TryAddAsync(ExpertDefinition expert, CancellationToken cancellationToken = default) => Task.FromResult(_experts.TryAdd(expert.Id, expert));

    public Task<bool> UpdateAsync(ExpertDefinition expert, CancellationToken cancellationToken = default)
    {
        if (!_experts.ContainsKey(expert.Id))
        {
            return Task.FromResult(false);
        }

        _experts[expert.Id] = expert;
        return Task.FromResult(true);
    }

    public Task UpsertAsync(ExpertDefinition expert, CancellationToken cancellationToken = default)
    {
        _experts[expert.Id] = expert;
        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult(_experts.TryRemove(id, out _));

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => Task.FromResult(true);
}
