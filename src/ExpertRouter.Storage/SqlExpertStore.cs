using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using ExpertRouter.Core.Experts;

namespace ExpertRouter.Storage;

/// <summary>
/// <see cref="IExpertStore"/> on the <c>experts</c> table (SQLite or PostgreSQL). Every operation is
/// one SQL statement, so it is atomic on its own: <see cref="TryAddAsync"/> is
/// <c>INSERT ... ON CONFLICT DO NOTHING</c> (of concurrent adds of one id exactly one wins) and
/// <see cref="UpsertAsync"/> is <c>INSERT ... ON CONFLICT DO UPDATE</c>. Timestamps come from the
/// <see cref="TimeProvider"/> (UTC, whole microseconds); those on the definitions passed in are ignored.
/// </summary>
public sealed class SqlExpertStore : IExpertStore
{
    private const string Columns =
        "id, display_name, kind, path, base_url, model, api_key_setting, context_size, gpu_layers, " +
        "max_sequences, sampling, description, tags, pinned, source, created_at, updated_at";

    /// <summary>The columns a replace overwrites: everything but the key and created_at.</summary>
    private static readonly string[] ReplacedColumns =
    [
        "display_name", "kind", "path", "base_url", "model", "api_key_setting", "context_size", "gpu_layers",
        "max_sequences", "sampling", "description", "tags", "pinned", "source", "updated_at",
    ];

    private readonly IDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly bool _postgres;
    private readonly string _insertSql;
    private readonly string _updateSql;
    private readonly string _upsertSql;

    public SqlExpertStore(IDatabase database, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _postgres = database.Provider == StorageProvider.Postgres;

        // PostgreSQL takes JSON text into jsonb columns through an explicit cast; SQLite stores the text.
        var json = (string parameter) => _postgres ? $"CAST({parameter} AS jsonb)" : parameter;
        var values =
            "@id, @display_name, @kind, @path, @base_url, @model, @api_key_setting, @context_size, @gpu_layers, " +
            $"@max_sequences, {json("@sampling")}, @description, {json("@tags")}, @pinned, @source, @created_at, @updated_at";
        var insert = $"INSERT INTO experts ({Columns}) VALUES ({values}) ON CONFLICT (id)";
        _insertSql = $"{insert} DO NOTHING";
        _upsertSql = $"{insert} DO UPDATE SET {string.Join(", ", ReplacedColumns.Select(c => $"{c} = excluded.{c}"))}";
        _updateSql = $"UPDATE experts SET {string.Join(", ", ReplacedColumns.Select(c => c switch
        {
            "sampling" or "tags" => $"{c} = {json("@" + c)}",
            _ => $"{c} = @{c}",
        }))} WHERE id = @id";
    }

    public async Task<IReadOnlyList<ExpertDefinition>> ListAsync(CancellationToken cancellationToken = default)
    {
        var experts = new List<ExpertDefinition>();
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = $"SELECT {Columns} FROM experts";
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        experts.Add(ReadExpert(reader));
                    }
                }
            }
        }

        // Ordinal id order, the same on both providers whatever the database collation.
        experts.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return experts;
    }

    public async Task<ExpertDefinition?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ExpertIds.ThrowIfInvalid(id);
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = $"SELECT {Columns} FROM experts WHERE id = @id";
                AddParameter(command, "@id", id, DbType.String);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadExpert(reader) : null;
                }
            }
        }
    }

    public async Task<bool> TryAddAsync(ExpertDefinition expert, CancellationToken cancellationToken = default)
    {
        CheckExpert(expert);
        var now = SqlTimestamps.Normalize(_timeProvider.GetUtcNow());
        return await WriteAsync(_insertSql, expert, now, createdAt: now, cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> UpdateAsync(ExpertDefinition expert, CancellationToken cancellationToken = default)
    {
        CheckExpert(expert);
        var now = SqlTimestamps.Normalize(_timeProvider.GetUtcNow());
        return await WriteAsync(_updateSql, expert, now, createdAt: null, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <inheritdoc />
    /// <remarks>A replaced expert keeps its CreatedAt; UpdatedAt becomes now.</remarks>
    public async Task UpsertAsync(ExpertDefinition expert, CancellationToken cancellationToken = default)
    {
        CheckExpert(expert);
        var now = SqlTimestamps.Normalize(_timeProvider.GetUtcNow());
        await WriteAsync(_upsertSql, expert, now, createdAt: now, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ExpertIds.ThrowIfInvalid(id);
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = "DELETE FROM experts WHERE id = @id";
                AddParameter(command, "@id", id, DbType.String);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            }
        }
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => _database.PingAsync(cancellationToken);

    private async Task<int> WriteAsync(string sql, ExpertDefinition expert, DateTimeOffset now, DateTimeOffset? createdAt, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = sql;
                AddParameter(command, "@id", expert.Id, DbType.String);
                AddParameter(command, "@display_name", expert.DisplayName, DbType.String);
                AddParameter(command, "@kind", expert.Kind.ToString(), DbType.String);
                AddParameter(command, "@path", expert.Path, DbType.String);
                AddParameter(command, "@base_url", expert.BaseUrl, DbType.String);
                AddParameter(command, "@model", expert.Model, DbType.String);
                AddParameter(command, "@api_key_setting", expert.ApiKeySetting, DbType.String);
                AddParameter(command, "@context_size", expert.ContextSize, DbType.Int32);
                AddParameter(command, "@gpu_layers", expert.GpuLayers, DbType.Int32);
                AddParameter(command, "@max_sequences", expert.MaxSequences, DbType.Int32);
                AddParameter(command, "@sampling", JsonSerializer.Serialize(expert.Sampling ?? new ExpertSampling(), StorageJsonContext.Default.ExpertSampling), DbType.String);
                AddParameter(command, "@description", expert.Description, DbType.String);
                AddParameter(command, "@tags", JsonSerializer.Serialize((expert.Tags ?? []).ToArray(), StorageJsonContext.Default.StringArray), DbType.String);
                AddParameter(command, "@pinned", expert.Pinned, DbType.Boolean);
                AddParameter(command, "@source", expert.Source.ToString(), DbType.String);
                if (createdAt is { } created)
                {
                    AddTimestamp(command, "@created_at", created);
                }

                AddTimestamp(command, "@updated_at", now);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void CheckExpert(ExpertDefinition expert)
    {
        ArgumentNullException.ThrowIfNull(expert);
        ExpertIds.ThrowIfInvalid(expert.Id, nameof(expert));
        if (!Enum.IsDefined(expert.Kind))
        {
            throw new ArgumentException($"Expert '{expert.Id}': unknown kind {(int)expert.Kind}.", nameof(expert));
        }

        if (!Enum.IsDefined(expert.Source))
        {
            throw new ArgumentException($"Expert '{expert.Id}': unknown source {(int)expert.Source}.", nameof(expert));
        }

        if (expert.Tags is { } tags && tags.Any(t => t is null))
        {
            throw new ArgumentException($"Expert '{expert.Id}': tags must not be null.", nameof(expert));
        }
    }

    private void AddTimestamp(DbCommand command, string name, DateTimeOffset value)
    {
        if (_postgres)
        {
            AddParameter(command, name, value, DbType.DateTimeOffset);
        }
        else
        {
            AddParameter(command, name, SqlTimestamps.ToSqliteText(value), DbType.String);
        }
    }

    private static void AddParameter(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private ExpertDefinition ReadExpert(DbDataReader reader)
    {
        var id = reader.GetString(0);
        try
        {
            return new ExpertDefinition
            {
                Id = id,
                DisplayName = NullableString(reader, 1),
                Kind = ParseName<ExpertKind>(reader.GetString(2)),
                Path = NullableString(reader, 3),
                BaseUrl = NullableString(reader, 4),
                Model = NullableString(reader, 5),
                ApiKeySetting = NullableString(reader, 6),
                ContextSize = NullableInt(reader, 7),
                GpuLayers = NullableInt(reader, 8),
                MaxSequences = NullableInt(reader, 9),
                Sampling = JsonSerializer.Deserialize(reader.GetString(10), StorageJsonContext.Default.ExpertSampling) ?? new ExpertSampling(),
                Description = NullableString(reader, 11),
                Tags = JsonSerializer.Deserialize(reader.GetString(12), StorageJsonContext.Default.StringArray) ?? [],
                Pinned = reader.GetBoolean(13),
                Source = ParseName<ExpertSource>(reader.GetString(14)),
                CreatedAt = ReadTimestamp(reader, 15),
                UpdatedAt = ReadTimestamp(reader, 16),
            };
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidCastException)
        {
            throw new InvalidDataException(
                string.Create(CultureInfo.InvariantCulture, $"Expert '{id}' in {_database.Describe()} has an unreadable row: {ex.Message}"), ex);
        }
    }

    /// <summary>An enum stored by name; numbers and unknown names are refused rather than read as undefined values.</summary>
    private static TEnum ParseName<TEnum>(string text)
        where TEnum : struct, Enum
    {
        foreach (var name in Enum.GetNames<TEnum>())
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return Enum.Parse<TEnum>(name);
            }
        }

        throw new FormatException($"'{text}' is not a {typeof(TEnum).Name}.");
    }

    private DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) => _postgres
        ? reader.GetFieldValue<DateTimeOffset>(ordinal)
        : SqlTimestamps.FromSqliteText(reader.GetString(ordinal));

    private static string? NullableString(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static int? NullableInt(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
}
