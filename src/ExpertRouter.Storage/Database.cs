using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ExpertRouter.Storage;

/// <summary>
/// <see cref="IDatabase"/> for SQLite (a file, WAL journaling, busy timeout so concurrent writers
/// wait instead of failing with SQLITE_BUSY) and PostgreSQL (one pooled <see cref="NpgsqlDataSource"/>).
/// </summary>
public sealed partial class Database : IDatabase, IAsyncDisposable, IDisposable
{
    /// <summary>How long a SQLite connection waits for another writer's lock before giving up.</summary>
    public const int SqliteBusyTimeoutMilliseconds = 5000;

    private readonly ILogger _logger;
    private readonly string _description;
    private readonly NpgsqlDataSource? _dataSource;
    private readonly string? _sqliteConnectionString;
    private readonly string? _sqliteFile;
    private readonly SemaphoreSlim _sqliteInitGate = new(1, 1);
    private volatile bool _sqliteInitialized;
    private int _disposed;

    /// <exception cref="OptionsValidationException">The options are invalid (the message says which key and why).</exception>
    public Database(StorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(StorageOptions.SectionName, typeof(StorageOptions), errors);
        }

        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<Database>();
        Provider = options.Provider;
        if (Provider == StorageProvider.Postgres)
        {
            var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
            builder.UseLoggerFactory(loggerFactory);
            _dataSource = builder.Build();
            _description = DescribePostgres(builder.ConnectionStringBuilder);
        }
        else
        {
            var builder = string.IsNullOrWhiteSpace(options.ConnectionString)
                ? new SqliteConnectionStringBuilder { DataSource = Path.Combine(options.DataDirectory, StorageOptions.SqliteFileName) }
                : new SqliteConnectionStringBuilder(options.ConnectionString);
            if (builder.Mode != SqliteOpenMode.Memory && !IsSqliteMemoryName(builder.DataSource))
            {
                // Absolute once, so a later change of the current directory cannot move the database.
                builder.DataSource = Path.GetFullPath(builder.DataSource);
                _sqliteFile = builder.DataSource;
            }

            builder.ForeignKeys = true;
            _sqliteConnectionString = builder.ToString();
            _description = string.Create(CultureInfo.InvariantCulture, $"SQLite {builder.DataSource}");
        }

        LogUsing(_logger, _description);
    }

    public StorageProvider Provider { get; }

    public string Describe() => _description;

    public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!_sqliteInitialized)
        {
            await InitializeSqliteAsync(cancellationToken).ConfigureAwait(false);
        }

        return await OpenSqliteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = "SELECT 1";
                    var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return Convert.ToInt32(result, CultureInfo.InvariantCulture) == 1;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or TimeoutException or IOException
                                       or UnauthorizedAccessException or OperationCanceledException)
        {
            LogPingFailed(_logger, _description, ex);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }

        ReleaseSqlite();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _dataSource?.Dispose();
        ReleaseSqlite();
    }

    private void ReleaseSqlite()
    {
        if (_sqliteConnectionString is not null)
        {
            // Closes this database's idle pooled connections (and with them the file handles).
            using var connection = new SqliteConnection(_sqliteConnectionString);
            SqliteConnection.ClearPool(connection);
        }

        _sqliteInitGate.Dispose();
    }

    private async Task<DbConnection> OpenSqliteAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_sqliteConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // Per connection (pooled connections keep them, setting again is cheap): wait for other
            // writers instead of failing with SQLITE_BUSY; NORMAL sync is durable enough under WAL.
            await ExecuteSqliteAsync(
                connection,
                string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {SqliteBusyTimeoutMilliseconds}; PRAGMA synchronous = NORMAL;"),
                cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task InitializeSqliteAsync(CancellationToken cancellationToken)
    {
        await _sqliteInitGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sqliteInitialized)
            {
                return;
            }

            if (_sqliteFile is not null && Path.GetDirectoryName(_sqliteFile) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            var connection = await OpenSqliteAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // WAL is a property of the file: set once, it stays. Readers then never block the writer.
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = "PRAGMA journal_mode = WAL;";
                    var mode = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                    if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                    {
                        LogNoWal(_logger, _description, mode ?? "(none)");
                    }
                }
            }

            _sqliteInitialized = true;
        }
        finally
        {
            _sqliteInitGate.Release();
        }
    }

    private static async Task ExecuteSqliteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsSqliteMemoryName(string dataSource) =>
        string.Equals(dataSource, ":memory:", StringComparison.OrdinalIgnoreCase);

    private static string DescribePostgres(NpgsqlConnectionStringBuilder builder)
    {
        var host = string.IsNullOrWhiteSpace(builder.Host) ? "localhost" : builder.Host;
        var database = string.IsNullOrWhiteSpace(builder.Database) ? "(default database)" : builder.Database;
        var user = string.IsNullOrWhiteSpace(builder.Username) ? "(default user)" : builder.Username;
        return string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {host}:{builder.Port}/{database} as {user}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage: {Description}")]
    private static partial void LogUsing(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Description}: journal mode is '{Mode}', not WAL; concurrent readers and writers will block each other")]
    private static partial void LogNoWal(ILogger logger, string description, string mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Description} did not answer a ping")]
    private static partial void LogPingFailed(ILogger logger, string description, Exception exception);
}
