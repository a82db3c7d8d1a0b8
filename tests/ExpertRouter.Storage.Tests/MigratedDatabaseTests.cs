using ExpertRouter.Testing;

namespace ExpertRouter.Storage.Tests;

/// <summary>
/// Base of the store contract tests: before each test a fresh, migrated database from the provider subclass
/// (<see cref="CreateIsolatedOptionsAsync"/>) is handed to <see cref="CreateStores"/>; it is closed after the test.
/// </summary>
#pragma warning disable CA1001 // the database is disposed in DisposeAsync (xunit's IAsyncLifetime)
public abstract class MigratedDatabaseTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private Database? _database;

    protected ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Why this provider cannot run here; null when it can.</summary>
    protected abstract string? SkipReason { get; }

    /// <summary>Options for a new, empty, isolated database.</summary>
    protected abstract Task<StorageOptions> CreateIsolatedOptionsAsync();

    /// <summary>Creates the stores under test on the migrated database.</summary>
    protected abstract void CreateStores(Database database);

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        _database = new Database(await CreateIsolatedOptionsAsync());
        await new DatabaseMigrator(_database).MigrateAsync();
        CreateStores(_database);
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
