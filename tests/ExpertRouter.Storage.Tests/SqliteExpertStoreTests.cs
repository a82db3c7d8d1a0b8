using ExpertRouter.Testing;
using Microsoft.Data.Sqlite;

namespace ExpertRouter.Storage.Tests;

public sealed class SqliteExpertStoreTests : ExpertStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new("expertrouter-sqlite");
    private int _databases;

    protected override string? SkipReason => null;

    protected override Task<StorageOptions> CreateIsolatedOptionsAsync() =>
        Task.FromResult(new StorageOptions { DataDirectory = _directory.Combine($"db{Interlocked.Increment(ref _databases)}", "nested") });

    /// <summary>Runs after <see cref="ExpertStoreContractTests.DisposeAsync"/> has closed the databases.</summary>
    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_file_is_expertrouter_db_in_the_data_directory()
    {
        var expected = Path.Combine(Options.DataDirectory, StorageOptions.SqliteFileName);

        Assert.True(File.Exists(expected));
        Assert.Equal($"SQLite {expected}", Database.Describe());
        Assert.Equal(StorageProvider.Sqlite, Database.Provider);
    }

    [Fact]
    public async Task Connections_have_wal_busy_timeout_and_foreign_keys()
    {
        await using var connection = await Database.OpenConnectionAsync();

        Assert.IsType<SqliteConnection>(connection);
        Assert.Equal("wal", await PragmaAsync(connection, "journal_mode"));
        Assert.Equal(Database.SqliteBusyTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), await PragmaAsync(connection, "busy_timeout"));
        Assert.Equal("1", await PragmaAsync(connection, "foreign_keys"));
    }

    [Fact]
    public async Task A_connection_string_wins_over_the_data_directory()
    {
        var file = _directory.Combine("custom", "my.db");
        await using var database = new Database(new StorageOptions { ConnectionString = $"Data Source={file}", DataDirectory = "ignored" });

        Assert.Equal(Enumerable.Range(1, DatabaseMigrator.LatestVersion), await new DatabaseMigrator(database).MigrateAsync());
        Assert.True(File.Exists(file));
        Assert.Equal($"SQLite {file}", database.Describe());
    }

    [Fact]
    public async Task Ping_is_false_when_the_file_cannot_be_created()
    {
        var blocker = _directory.Combine("a-file");
        await File.WriteAllTextAsync(blocker, "not a directory");
        await using var database = new Database(new StorageOptions { DataDirectory = blocker });

        Assert.False(await database.PingAsync());
    }

    [Fact]
    public async Task Writers_wait_for_a_long_write_transaction_instead_of_failing()
    {
        // Another connection holds the write lock for a while; the store's insert must wait, not throw SQLITE_BUSY.
        await using (var holder = (SqliteConnection)await Database.OpenConnectionAsync())
        {
            using var transaction = holder.BeginTransaction(deferred: false);
            await using (var command = holder.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO experts (id, kind, source, created_at, updated_at) VALUES ('held', 'Gguf', 'Api', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')";
                await command.ExecuteNonQueryAsync();
            }

            var waiting = Task.Run(() => Store.TryAddAsync(new ExpertRouter.Core.Experts.ExpertDefinition { Id = "patient" }));
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted);
            transaction.Commit();
            Assert.True(await waiting);
        }

        Assert.NotNull(await Store.GetAsync("patient"));
    }

    [Fact]
    public async Task An_unreadable_row_is_reported_with_its_id()
    {
        await using (var connection = await Database.OpenConnectionAsync())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT INTO experts (id, kind, source, created_at, updated_at) VALUES ('odd', '7', 'Api', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')";
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Store.GetAsync("odd"));

        Assert.Contains("'odd'", error.Message, StringComparison.Ordinal);
        Assert.Contains("ExpertKind", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string?> PragmaAsync(System.Data.Common.DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
