namespace ExpertRouter.Core.Experts;

/// <summary>
/// Persistence of the expert registry (SQLite by default, PostgreSQL when configured).
/// Implementations are thread-safe. Ids are case-sensitive, 1..128 characters.
/// </summary>
public interface IExpertStore
{
    Task<IReadOnlyList<ExpertDefinition>> ListAsync(CancellationToken cancellationToken = default);

    Task<ExpertDefinition?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Adds a new expert; false when the id exists. Sets CreatedAt/UpdatedAt.</summary>
    Task<bool> TryAddAsync(ExpertDefinition expert, CancellationToken cancellationToken = default);

    /// <summary>Replaces an existing expert (keeps CreatedAt); false when the id does not exist.</summary>
    Task<bool> UpdateAsync(ExpertDefinition expert, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces (configuration sync at start-up).</summary>
    Task UpsertAsync(ExpertDefinition expert, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>True when the database answers (readiness).</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
