using System.Net;
using System.Net.Sockets;
using ExpertRouter.Testing;
using Npgsql;

namespace ExpertRouter.Storage.Tests;

/// <summary>The contract on a real PostgreSQL server (skipped, with the reason, only where none can be started).</summary>
[Collection(PostgresFixture.Collection)]
public sealed class PostgresExpertStoreTests(PostgresFixture fixture) : ExpertStoreContractTests
{
    protected override string? SkipReason => fixture.UnavailableReason;

    /// <summary>A fresh schema per test (cheap); <see cref="A_separate_database_works_the_same"/> covers whole databases.</summary>
    protected override async Task<StorageOptions> CreateIsolatedOptionsAsync() => new()
    {
        Provider = StorageProvider.Postgres,
        ConnectionString = await fixture.Server!.CreateSchemaAsync(),
    };

    [SkippableFact]
    public async Task A_separate_database_works_the_same()
    {
        SkipIfUnavailable();
        var connectionString = await fixture.Server!.CreateDatabaseAsync();
        await using var database = new Database(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = connectionString });

        Assert.Equal(Enumerable.Range(1, DatabaseMigrator.LatestVersion), await new DatabaseMigrator(database).MigrateAsync());
        var store = new SqlExpertStore(database, Clock);
        Assert.True(await store.TryAddAsync(FullExpert("elsewhere")));
        AssertSameContent(FullExpert("elsewhere"), await store.GetAsync("elsewhere"));
        Assert.Null(await Store.GetAsync("elsewhere"));
    }

    [SkippableFact]
    public async Task Connections_are_npgsql_and_describe_names_the_database()
    {
        SkipIfUnavailable();
        await using var connection = await Database.OpenConnectionAsync();

        Assert.IsType<NpgsqlConnection>(connection);
        Assert.Equal(StorageProvider.Postgres, Database.Provider);
        var port = new NpgsqlConnectionStringBuilder(Options.ConnectionString).Port;
        Assert.Equal($"PostgreSQL 127.0.0.1:{port}/{PostgresTestServer.DefaultDatabase} as postgres", Database.Describe());
    }

    [SkippableFact]
    public async Task Columns_use_native_types()
    {
        SkipIfUnavailable();
        await using var connection = await Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'experts' AND table_schema = current_schema()";
        var types = new Dictionary<string, string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                types[reader.GetString(0)] = reader.GetString(1);
            }
        }

        Assert.Equal("jsonb", types["sampling"]);
        Assert.Equal("jsonb", types["tags"]);
        Assert.Equal("boolean", types["pinned"]);
        Assert.Equal("timestamp with time zone", types["created_at"]);
        Assert.Equal("integer", types["context_size"]);
    }

    [SkippableFact]
    public async Task Ping_is_false_when_nothing_listens()
    {
        SkipIfUnavailable();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var database = new Database(new StorageOptions
        {
            Provider = StorageProvider.Postgres,
            ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=none;Timeout=3",
        });

        Assert.False(await database.PingAsync());
    }
}
