using System.Data.Common;

namespace ExpertRouter.Storage;

/// <summary>
/// The service's database: hands out open connections (pooled) for SQLite or PostgreSQL.
/// Thread-safe; callers dispose each connection when done.
/// </summary>
public interface IDatabase
{
    StorageProvider Provider { get; }

    /// <summary>
    /// An open connection, ready to use. SQLite connections have WAL journaling, a 5 s busy timeout
    /// and foreign keys on; PostgreSQL connections come from one pooled Npgsql data source.
    /// </summary>
    ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>Where the data lives, for logs: never contains a password.</summary>
    string Describe();

    /// <summary>True when the database answers a trivial query; false (not an exception) when it does not.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
