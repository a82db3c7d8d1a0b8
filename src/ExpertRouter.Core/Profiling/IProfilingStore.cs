using ExpertRouter.Core.Validation;

namespace ExpertRouter.Core.Profiling;

/// <summary>
/// Persistence of validation sets, profiling runs with per-item checkpoints, and versioned skill
/// profiles. Thread-safe. Writes are idempotent per item so a restarted run resumes.
/// </summary>
public interface IProfilingStore
{
    Task<ValidationSetInfo> CreateValidationSetAsync(string name, string? description, IReadOnlyList<ValidationItem> items, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ValidationSetInfo>> ListValidationSetsAsync(CancellationToken cancellationToken = default);

    Task<ValidationSetInfo?> GetValidationSetAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ValidationItem>> GetValidationItemsAsync(string setId, CancellationToken cancellationToken = default);

    Task<bool> DeleteValidationSetAsync(string id, CancellationToken cancellationToken = default);

    Task CreateRunAsync(ProfilingRun run, CancellationToken cancellationToken = default);

    Task<ProfilingRun?> GetRunAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ProfilingRun>> ListRunsAsync(CancellationToken cancellationToken = default);

    /// <summary>Updates status, progress, error and profile version of a run.</summary>
    Task UpdateRunAsync(ProfilingRun run, CancellationToken cancellationToken = default);

    /// <summary>Saves an item's keywords (first write wins).</summary>
    Task SaveKeywordsAsync(string runId, int itemIndex, IReadOnlyList<string> keywords, CancellationToken cancellationToken = default);

    Task<IReadOnlyDictionary<int, IReadOnlyList<string>>> GetKeywordsAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Saves an expert's answer to an item (first write wins, so a resumed run writes no duplicates).</summary>
    Task SaveAnswerAsync(string runId, StoredAnswer answer, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredAnswer>> GetAnswersAsync(string runId, CancellationToken cancellationToken = default);

    Task SaveAggregatorResultAsync(string runId, string aggregatorId, int itemIndex, bool correct, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<(string AggregatorId, int ItemIndex, bool Correct)>> GetAggregatorResultsAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Stores a new version of a profile; returns the version number.</summary>
    Task<int> SaveProfileAsync(SkillProfileSet profile, CancellationToken cancellationToken = default);

    /// <summary>The latest version of a profile, or a specific one.</summary>
    Task<SkillProfileSet?> GetProfileAsync(string id, int? version = null, CancellationToken cancellationToken = default);

    /// <summary>Latest version of every profile.</summary>
    Task<IReadOnlyList<SkillProfileSet>> ListProfilesAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<int>> ListProfileVersionsAsync(string id, CancellationToken cancellationToken = default);
}
