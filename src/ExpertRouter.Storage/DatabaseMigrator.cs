using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.Storage;

/// <summary>
/// Brings the schema up to date: applies each pending migration of <see cref="SchemaMigrations"/> in its
/// own transaction and records it in <c>schema_migrations</c>. Idempotent, and safe when several
/// processes start at once on one database: PostgreSQL serialises them with
/// <c>pg_advisory_xact_lock</c>, SQLite with <c>BEGIN IMMEDIATE</c> (the write lock); whoever comes
/// second finds the version recorded and skips it.
/// </summary>
public sealed partial class DatabaseMigrator
{
    /// <summary>The PostgreSQL advisory lock key held while a migration runs ("ExRtMigr").</summary>
    public const long AdvisoryLockKey = 0x4578_5274_4D69_6772;

    private readonly IDatabase _database;
    private readonly IReadOnlyList<Migration> _migrations;
    private readonly ILogger _logger;
    private readonly string _description;

    public DatabaseMigrator(IDatabase database, ILogger<DatabaseMigrator>? logger = null)
        : this(database, SchemaMigrations.All, logger)
    {
    }

    internal DatabaseMigrator(IDatabase database, IReadOnlyList<Migration> migrations, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(migrations);
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version <= 0 || (i > 0 && migrations[i].Version <= migrations[i - 1].Version))
            {
                throw new ArgumentException("Migration versions must be positive and strictly increasing.", nameof(migrations));
            }
        }

        _database = database;
        _migrations = migrations;
        _logger = logger ?? NullLogger.Instance;
        _description = database.Describe();
    }

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => SchemaMigrations.LatestVersion;

    /// <summary>Applies the pending migrations; returns the versions this call applied (empty when up to date).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var applied = new List<int>();
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            foreach (var migration in _migrations)
            {
                if (await ApplyAsync(connection, migration, cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(migration.Version);
                }
            }

            var current = await ReadVersionAsync(connection, cancellationToken).ConfigureAwait(false);
            var known = _migrations.Count == 0 ? 0 : _migrations[^1].Version;
            if (current > known)
            {
                LogNewerSchema(_logger, _description, current, known);
            }
            else
            {
                LogUpToDate(_logger, _description, current, applied.Count);
            }
        }

        return applied;
    }

    /// <summary>The highest applied version; 0 for an empty database.</summary>
    public async Task<int> GetCurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadVersionAsync(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> ApplyAsync(DbConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        var provider = _database.Provider;
        var transaction = await BeginLockedTransactionAsync(connection, provider, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(Command(CreateTableSql(provider), null, transaction, cancellationToken)).ConfigureAwait(false);
            var recorded = await connection.ExecuteScalarAsync<long>(Command(
                "SELECT COUNT(*) FROM schema_migrations WHERE version = @Version",
                new { migration.Version },
                transaction,
                cancellationToken)).ConfigureAwait(false);
            if (recorded > 0)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            var stopwatch = Stopwatch.StartNew();
            try
            {
                await connection.ExecuteAsync(Command(migration.SqlFor(provider), null, transaction, cancellationToken)).ConfigureAwait(false);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException(
                    $"Migration {migration.Version} ({migration.Name}) failed on {_description}: {ex.Message}", ex);
            }

            if (provider == StorageProvider.Postgres)
            {
                await connection.ExecuteAsync(Command(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, now())",
                    new { migration.Version, migration.Name },
                    transaction,
                    cancellationToken)).ConfigureAwait(false);
            }
            else
            {
                await connection.ExecuteAsync(Command(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
                    new { migration.Version, migration.Name, AppliedAt = SqlTimestamps.ToSqliteText(DateTimeOffset.UtcNow) },
                    transaction,
                    cancellationToken)).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            LogApplied(_logger, migration.Version, migration.Name, _description, stopwatch.Elapsed.TotalMilliseconds);
            return true;
        }
    }

    private static async Task<DbTransaction> BeginLockedTransactionAsync(DbConnection connection, StorageProvider provider, CancellationToken cancellationToken)
    {
        if (connection is SqliteConnection sqlite)
        {
            // BEGIN IMMEDIATE: takes the write lock now (waiting out the busy timeout), so a second
            // migrator blocks here until the first commits instead of failing half-way.
            return sqlite.BeginTransaction(deferred: false);
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (provider == StorageProvider.Postgres)
            {
                await connection.ExecuteAsync(Command(
                    "SELECT pg_advisory_xact_lock(@Key)", new { Key = AdvisoryLockKey }, transaction, cancellationToken)).ConfigureAwait(false);
            }

            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<int> ReadVersionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var existsSql = _database.Provider == StorageProvider.Postgres
            ? "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE tablename = 'schema_migrations' AND schemaname = ANY (current_schemas(false))"
            : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
        var exists = await connection.ExecuteScalarAsync<long>(Command(existsSql, null, null, cancellationToken)).ConfigureAwait(false);
        if (exists == 0)
        {
            return 0;
        }

        return await connection.ExecuteScalarAsync<int?>(Command(
            "SELECT MAX(version) FROM schema_migrations", null, null, cancellationToken)).ConfigureAwait(false) ?? 0;
    }

    private static string CreateTableSql(StorageProvider provider) => provider == StorageProvider.Postgres
        ? "CREATE TABLE IF NOT EXISTS schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)"
        : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT";

    private static CommandDefinition Command(string sql, object? parameters, DbTransaction? transaction, CancellationToken cancellationToken) =>
        new(sql, parameters, transaction, cancellationToken: cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} ({Name}) to {Database} in {ElapsedMs:F0} ms")]
    private static partial void LogApplied(ILogger logger, int version, string name, string database, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Database}: schema at version {Version} ({AppliedCount} migration(s) applied now)")]
    private static partial void LogUpToDate(ILogger logger, string database, int version, int appliedCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Database}: schema version {Version} is newer than this build knows ({Known}); running anyway")]
    private static partial void LogNewerSchema(ILogger logger, string database, int version, int known);
}
