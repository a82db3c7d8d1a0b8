using System.Collections.Concurrent;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Validation;

namespace ExpertRouter.Testing;

/// <summary>A thread-safe in-memory <see cref="IProfilingStore"/> for logic tests (first write wins, like the SQL one).</summary>
public sealed class InMemoryProfilingStore : IProfilingStore
{
    private readonly ConcurrentDictionary<string, (ValidationSetInfo Info, IReadOnlyList<ValidationItem> Items)> _sets = new();
    private readonly ConcurrentDictionary<string, ProfilingRun> _runs = new();
    private readonly ConcurrentDictionary<(string, int), IReadOnlyList<string>> _keywords = new();
    private readonly ConcurrentDictionary<(string, string, int), StoredAnswer> _answers = new();
    private readonly ConcurrentDictionary<(string, string, int), bool> _aggregator = new();
    private readonly ConcurrentDictionary<(string, int), SkillProfileSet> _profiles = new();
    private readonly Lock _gate = new();

    public int AnswerWrites { get; private set; }

    /// <summary>Called after each new answer is stored, with the number stored so far (to interrupt a run in tests).</summary>
    public Action<int>? AnswerSaved { get; set; }

    public Task<ValidationSetInfo> CreateValidationSetAsync(string name, string? description, IReadOnlyList<ValidationItem> items, CancellationToken cancellationToken = default)
    {
        var info = new ValidationSetInfo("vs-" + Guid.NewGuid().ToString("N")[..8], name, description, items.Count, DateTimeOffset.UtcNow);
        _sets[info.Id] = (info, items);
        return Task.FromResult(info);
    }

    public Task<IReadOnlyList<ValidationSetInfo>> ListValidationSetsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ValidationSetInfo>>([.. _sets.Values.Select(s => s.Info)]);

    public Task<ValidationSetInfo?> GetValidationSetAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sets.TryGetValue(id, out var s) ? s.Info : null);

    public Task<IReadOnlyList<ValidationItem>> GetValidationItemsAsync(string setId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sets.TryGetValue(setId, out var s) ? s.Items : []);

    public Task<bool> DeleteValidationSetAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult(_sets.TryRemove(id, out _));

    public Task CreateRunAsync(ProfilingRun run, CancellationToken cancellationToken = default)
    {
        _runs[run.Id] = run with { CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow };
        return Task.CompletedTask;
    }

    public Task<ProfilingRun?> GetRunAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult(_runs.GetValueOrDefault(id));

    public Task<IReadOnlyList<ProfilingRun>> ListRunsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ProfilingRun>>([.. _runs.Values.OrderBy(r => r.CreatedAt)]);

    public Task UpdateRunAsync(ProfilingRun run, CancellationToken cancellationToken = default)
    {
        _runs[run.Id] = run with { UpdatedAt = DateTimeOffset.UtcNow };
        return Task.CompletedTask;
    }

    public Task SaveKeywordsAsync(string runId, int itemIndex, IReadOnlyList<string> keywords, CancellationToken cancellationToken = default)
    {
        _keywords.TryAdd((runId, itemIndex), keywords);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyDictionary<int, IReadOnlyList<string>>> GetKeywordsAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<int, IReadOnlyList<string>>>(_keywords.Where(k => k.Key.Item1 == runId).ToDictionary(k => k.Key.Item2, k => k.Value));

    public Task SaveAnswerAsync(string runId, StoredAnswer answer, CancellationToken cancellationToken = default)
    {
        if (_answers.TryAdd((runId, answer.ExpertId, answer.ItemIndex), answer))
        {
            int writes;
            lock (_gate)
            {
                writes = ++AnswerWrites;
            }

            AnswerSaved?.Invoke(writes);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredAnswer>> GetAnswersAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StoredAnswer>>([.. _answers.Where(a => a.Key.Item1 == runId).Select(a => a.Value)]);

    public Task SaveAggregatorResultAsync(string runId, string aggregatorId, int itemIndex, bool correct, CancellationToken cancellationToken = default)
    {
        _aggregator.TryAdd((runId, aggregatorId, itemIndex), correct);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(string AggregatorId, int ItemIndex, bool Correct)>> GetAggregatorResultsAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<(string, int, bool)>>([.. _aggregator.Where(a => a.Key.Item1 == runId).Select(a => (a.Key.Item2, a.Key.Item3, a.Value))]);

    public Task<int> SaveProfileAsync(SkillProfileSet profile, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var version = _profiles.Keys.Where(k => k.Item1 == profile.Id).Select(k => k.Item2).DefaultIfEmpty(0).Max() + 1;
            _profiles[(profile.Id, version)] = profile with { Version = version, CreatedAt = DateTimeOffset.UtcNow };
            return Task.FromResult(version);
        }
    }

    public Task<SkillProfileSet?> GetProfileAsync(string id, int? version = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(_profiles.Where(p => p.Key.Item1 == id && (version is null || p.Key.Item2 == version)).OrderByDescending(p => p.Key.Item2).Select(p => p.Value).FirstOrDefault());

    public Task<IReadOnlyList<SkillProfileSet>> ListProfilesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SkillProfileSet>>([.. _profiles.GroupBy(p => p.Key.Item1).Select(g => g.OrderByDescending(p => p.Key.Item2).First().Value)]);

    public Task<IReadOnlyList<int>> ListProfileVersionsAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<int>>([.. _profiles.Keys.Where(k => k.Item1 == id).Select(k => k.Item2).Order()]);
}
