using System.Data.Common;
using System.Text.Json;
using Dapper;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Validation;

namespace ExpertRouter.Storage;

/// <summary>
/// <see cref="IProfilingStore"/> on SQLite or PostgreSQL. Per-item checkpoints are
/// <c>INSERT ... ON CONFLICT DO NOTHING</c>: the first write wins, so a resumed run never stores an
/// item twice. Structured values (items, settings, progress, profiles) are JSON text.
/// </summary>
public sealed class SqlProfilingStore(IDatabase database, TimeProvider? timeProvider = null) : IProfilingStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly bool _postgres = database.Provider == StorageProvider.Postgres;

    public async Task<ValidationSetInfo> CreateValidationSetAsync(string name, string? description, IReadOnlyList<ValidationItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(items);
        var info = new ValidationSetInfo("vs-" + Guid.NewGuid().ToString("N")[..12], name, description, items.Count, SqlTimestamps.Normalize(_time.GetUtcNow()));
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO validation_sets (id, name, description, item_count, created_at) VALUES (@Id, @Name, @Description, @ItemCount, @CreatedAt)",
            new { info.Id, info.Name, info.Description, info.ItemCount, CreatedAt = Ts(info.CreatedAt) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO validation_items (set_id, idx, data) VALUES (@SetId, @Idx, @Data)",
            items.Select((item, i) => new { SetId = info.Id, Idx = i, Data = JsonSerializer.Serialize(item, Json) }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return info;
    }

    public async Task<IReadOnlyList<ValidationSetInfo>> ListValidationSetsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<SetRow>(new CommandDefinition(
            "SELECT id, name, description, item_count AS ItemCount, created_at AS CreatedAt FROM validation_sets ORDER BY created_at", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToInfo())];
    }

    public async Task<ValidationSetInfo?> GetValidationSetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<SetRow>(new CommandDefinition(
            "SELECT id, name, description, item_count AS ItemCount, created_at AS CreatedAt FROM validation_sets WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToInfo();
    }

    public async Task<IReadOnlyList<ValidationItem>> GetValidationItemsAsync(string setId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT data FROM validation_items WHERE set_id = @setId ORDER BY idx", new { setId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(d => JsonSerializer.Deserialize<ValidationItem>(d, Json)!)];
    }

    public async Task<bool> DeleteValidationSetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM validation_items WHERE set_id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var n = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM validation_sets WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return n > 0;
    }

    public async Task CreateRunAsync(ProfilingRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var now = SqlTimestamps.Normalize(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO profiling_runs (id, set_id, profile_id, status, settings, progress, error, profile_version, created_at, updated_at) " +
            "VALUES (@Id, @SetId, @ProfileId, @Status, @Settings, @Progress, @Error, @ProfileVersion, @CreatedAt, @UpdatedAt)",
            new
            {
                run.Id,
                SetId = run.ValidationSetId,
                run.ProfileId,
                Status = run.Status.ToString(),
                Settings = JsonSerializer.Serialize(run.Settings, Json),
                Progress = JsonSerializer.Serialize(run.Progress, Json),
                run.Error,
                run.ProfileVersion,
                CreatedAt = Ts(now),
                UpdatedAt = Ts(now),
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<ProfilingRun?> GetRunAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(RunSelect + " WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRun();
    }

    public async Task<IReadOnlyList<ProfilingRun>> ListRunsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<RunRow>(new CommandDefinition(RunSelect + " ORDER BY created_at", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRun())];
    }

    public async Task UpdateRunAsync(ProfilingRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE profiling_runs SET status = @Status, progress = @Progress, error = @Error, profile_version = @ProfileVersion, updated_at = @UpdatedAt WHERE id = @Id",
            new
            {
                run.Id,
                Status = run.Status.ToString(),
                Progress = JsonSerializer.Serialize(run.Progress, Json),
                run.Error,
                run.ProfileVersion,
                UpdatedAt = Ts(_time.GetUtcNow()),
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task SaveKeywordsAsync(string runId, int itemIndex, IReadOnlyList<string> keywords, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO profiling_keywords (run_id, item_idx, keywords) VALUES (@runId, @itemIndex, @keywords) ON CONFLICT DO NOTHING",
            new { runId, itemIndex, keywords = JsonSerializer.Serialize(keywords, Json) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<int, IReadOnlyList<string>>> GetKeywordsAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(long Idx, string Keywords)>(new CommandDefinition(
            "SELECT item_idx, keywords FROM profiling_keywords WHERE run_id = @runId", new { runId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => (int)r.Idx, r => (IReadOnlyList<string>)(JsonSerializer.Deserialize<string[]>(r.Keywords, Json) ?? []));
    }

    public async Task SaveAnswerAsync(string runId, StoredAnswer answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answer);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO profiling_answers (run_id, expert_id, item_idx, output, extracted, correct, self_certainty) " +
            "VALUES (@runId, @ExpertId, @ItemIndex, @Output, @Extracted, @Correct, @SelfCertainty) ON CONFLICT DO NOTHING",
            new { runId, answer.ExpertId, answer.ItemIndex, answer.Output, answer.Extracted, Correct = Bool(answer.Correct), answer.SelfCertainty }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredAnswer>> GetAnswersAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<AnswerRow>(new CommandDefinition(
            "SELECT expert_id AS ExpertId, item_idx AS ItemIndex, output AS Output, extracted AS Extracted, correct AS Correct, self_certainty AS SelfCertainty " +
            "FROM profiling_answers WHERE run_id = @runId ORDER BY expert_id, item_idx", new { runId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new StoredAnswer(r.ExpertId, (int)Convert.ToInt64(r.ItemIndex, System.Globalization.CultureInfo.InvariantCulture), r.Output, r.Extracted, SqlValues.ToBool(r.Correct), r.SelfCertainty))];
    }

    public async Task SaveAggregatorResultAsync(string runId, string aggregatorId, int itemIndex, bool correct, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO profiling_aggregator_results (run_id, aggregator_id, item_idx, correct) VALUES (@runId, @aggregatorId, @itemIndex, @correct) ON CONFLICT DO NOTHING",
            new { runId, aggregatorId, itemIndex, correct = Bool(correct) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<(string AggregatorId, int ItemIndex, bool Correct)>> GetAggregatorResultsAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string A, long I, object C)>(new CommandDefinition(
            "SELECT aggregator_id, item_idx, correct FROM profiling_aggregator_results WHERE run_id = @runId", new { runId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => (r.A, (int)r.I, SqlValues.ToBool(r.C)))];
    }

    public async Task<int> SaveProfileAsync(SkillProfileSet profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var latest = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(version) FROM skill_profiles WHERE id = @Id", new { profile.Id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var version = (int)(latest ?? 0) + 1;
        var created = SqlTimestamps.Normalize(_time.GetUtcNow());
        var stored = profile with { Version = version, CreatedAt = created };
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO skill_profiles (id, version, run_id, data, created_at) VALUES (@Id, @Version, @RunId, @Data, @CreatedAt)",
            new { stored.Id, stored.Version, stored.RunId, Data = JsonSerializer.Serialize(stored, Json), CreatedAt = Ts(created) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }

    public async Task<SkillProfileSet?> GetProfileAsync(string id, int? version = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var data = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            version is null
                ? "SELECT data FROM skill_profiles WHERE id = @id ORDER BY version DESC LIMIT 1"
                : "SELECT data FROM skill_profiles WHERE id = @id AND version = @version",
            new { id, version }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return data is null ? null : JsonSerializer.Deserialize<SkillProfileSet>(data, Json);
    }

    public async Task<IReadOnlyList<SkillProfileSet>> ListProfilesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT p.data FROM skill_profiles p WHERE p.version = (SELECT MAX(q.version) FROM skill_profiles q WHERE q.id = p.id) ORDER BY p.id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(d => JsonSerializer.Deserialize<SkillProfileSet>(d, Json)!)];
    }

    public async Task<IReadOnlyList<int>> ListProfileVersionsAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<long>(new CommandDefinition(
            "SELECT version FROM skill_profiles WHERE id = @id ORDER BY version", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(v => (int)v)];
    }

    private const string RunSelect =
        "SELECT id AS Id, set_id AS SetId, profile_id AS ProfileId, status AS Status, settings AS Settings, progress AS Progress, error AS Error, " +
        "profile_version AS ProfileVersion, created_at AS CreatedAt, updated_at AS UpdatedAt FROM profiling_runs";

    private object Ts(DateTimeOffset value) => SqlValues.Ts(_postgres, value);

    private object Bool(bool value) => SqlValues.Bool(_postgres, value);

    private sealed class SetRow
    {
        public string Id { get; set; } = "";

        public string Name { get; set; } = "";

        public string? Description { get; set; }

        public long ItemCount { get; set; }

        public object CreatedAt { get; set; } = "";

        public ValidationSetInfo ToInfo() => new(Id, Name, Description, (int)ItemCount, SqlValues.ReadTs(CreatedAt));
    }

    private sealed class RunRow
    {
        public string Id { get; set; } = "";

        public string SetId { get; set; } = "";

        public string ProfileId { get; set; } = "";

        public string Status { get; set; } = "";

        public string Settings { get; set; } = "{}";

        public string Progress { get; set; } = "{}";

        public string? Error { get; set; }

        public long? ProfileVersion { get; set; }

        public object CreatedAt { get; set; } = "";

        public object UpdatedAt { get; set; } = "";

        public ProfilingRun ToRun() => new()
        {
            Id = Id,
            ValidationSetId = SetId,
            ProfileId = ProfileId,
            Status = Enum.Parse<ProfilingStatus>(Status),
            Settings = JsonSerializer.Deserialize<ProfilingSettings>(Settings, Json) ?? new(),
            Progress = JsonSerializer.Deserialize<ProfilingProgress>(Progress, Json) ?? new(),
            Error = Error,
            ProfileVersion = (int?)ProfileVersion,
            CreatedAt = SqlValues.ReadTs(CreatedAt),
            UpdatedAt = SqlValues.ReadTs(UpdatedAt),
        };
    }

    private sealed class AnswerRow
    {
        public string ExpertId { get; set; } = "";

        public object ItemIndex { get; set; } = 0L;

        public string Output { get; set; } = "";

        public string? Extracted { get; set; }

        public object Correct { get; set; } = false;

        public double? SelfCertainty { get; set; }
    }
}
