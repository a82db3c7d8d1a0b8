using System.Data.Common;
using ExpertRouter.Core.Experts;
using ExpertRouter.Testing;

namespace ExpertRouter.Storage.Tests;

/// <summary>
/// The behaviour every provider must show; run once per provider by a subclass that supplies an
/// isolated, empty database (a temp SQLite file, a fresh PostgreSQL database).
/// </summary>
public abstract class ExpertStoreContractTests : IAsyncLifetime
{
    /// <summary>Has sub-microsecond ticks on purpose: stored timestamps are whole microseconds.</summary>
    protected static readonly DateTimeOffset T0 = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1_234_567);

    private readonly List<Database> _databases = [];

    protected ManualTimeProvider Clock { get; } = new(T0);

    protected StorageOptions Options { get; private set; } = null!;

    protected Database Database { get; private set; } = null!;

    protected SqlExpertStore Store { get; private set; } = null!;

    /// <summary>Why this provider cannot run here; null when it can.</summary>
    protected abstract string? SkipReason { get; }

    /// <summary>Options for a new, empty, isolated database.</summary>
    protected abstract Task<StorageOptions> CreateIsolatedOptionsAsync();

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return;
        }

        Options = await CreateIsolatedOptionsAsync();
        Database = OpenDatabase(Options);
        await new DatabaseMigrator(Database).MigrateAsync();
        Store = new SqlExpertStore(Database, Clock);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    protected Database OpenDatabase(StorageOptions options)
    {
        var database = new Database(options);
        _databases.Add(database);
        return database;
    }

    protected void SkipIfUnavailable() => Skip.If(SkipReason is not null, SkipReason);

    protected static DateTimeOffset Stored(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    protected static ExpertDefinition FullExpert(string id) => new()
    {
        Id = id,
        DisplayName = "Ärztliche Expertin 🩺",
        Kind = ExpertKind.OpenAi,
        Path = "/models/medic-7b.Q4_K_M.gguf",
        BaseUrl = "https://api.example.com/v1",
        Model = "medic-large",
        ApiKeySetting = "ExpertRouter:Keys:Medic",
        ContextSize = 8192,
        GpuLayers = -1,
        MaxSequences = 4,
        Sampling = new ExpertSampling
        {
            Temperature = 0.7f,
            TopP = 0.95f,
            TopK = 40,
            MinP = 0.05f,
            RepetitionPenalty = 1.0000001f,
            MaxTokens = 512,
        },
        Description = "Línea 1\n«quotes» \"double\" 'single' \\ back\ttab — 日本語 — emoji 🚀 — NUL-free",
        Tags = ["medicine", "Deutsch", "日本語", "with space", "", "quote\"d"],
        Pinned = true,
        Source = ExpertSource.Config,
        CreatedAt = new DateTimeOffset(1999, 1, 1, 0, 0, 0, TimeSpan.FromHours(3)),
        UpdatedAt = new DateTimeOffset(1999, 1, 2, 0, 0, 0, TimeSpan.FromHours(3)),
    };

    protected static void AssertSameContent(ExpertDefinition expected, ExpertDefinition? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.DisplayName, actual.DisplayName);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Path, actual.Path);
        Assert.Equal(expected.BaseUrl, actual.BaseUrl);
        Assert.Equal(expected.Model, actual.Model);
        Assert.Equal(expected.ApiKeySetting, actual.ApiKeySetting);
        Assert.Equal(expected.ContextSize, actual.ContextSize);
        Assert.Equal(expected.GpuLayers, actual.GpuLayers);
        Assert.Equal(expected.MaxSequences, actual.MaxSequences);
        Assert.Equal(expected.Sampling, actual.Sampling);
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Pinned, actual.Pinned);
        Assert.Equal(expected.Source, actual.Source);
    }

    [SkippableFact]
    public async Task Add_then_get_and_list_round_trip_every_field()
    {
        SkipIfUnavailable();
        var expert = FullExpert("medic");

        Assert.True(await Store.TryAddAsync(expert));

        var got = await Store.GetAsync("medic");
        AssertSameContent(expert, got);
        var listed = Assert.Single(await Store.ListAsync());
        AssertSameContent(expert, listed);
        Assert.Equal(got, listed with { Tags = got!.Tags });
    }

    [SkippableFact]
    public async Task Add_with_only_an_id_round_trips_nulls_and_defaults()
    {
        SkipIfUnavailable();
        var expert = new ExpertDefinition { Id = "bare" };

        Assert.True(await Store.TryAddAsync(expert));

        var got = await Store.GetAsync("bare");
        AssertSameContent(expert, got);
        Assert.Null(got!.DisplayName);
        Assert.Null(got.ContextSize);
        Assert.Equal(new ExpertSampling(), got.Sampling);
        Assert.Empty(got.Tags);
        Assert.Equal(ExpertKind.Gguf, got.Kind);
        Assert.Equal(ExpertSource.Api, got.Source);
        Assert.False(got.Pinned);
    }

    [SkippableFact]
    public async Task Store_sets_timestamps_exactly_and_ignores_those_passed_in()
    {
        SkipIfUnavailable();

        Assert.True(await Store.TryAddAsync(FullExpert("timed")));

        var got = await Store.GetAsync("timed");
        Assert.Equal(Stored(T0), got!.CreatedAt);
        Assert.Equal(Stored(T0), got.UpdatedAt);
        Assert.Equal(TimeSpan.Zero, got.CreatedAt.Offset);
        Assert.Equal(T0.UtcTicks / TimeSpan.TicksPerMillisecond, got.CreatedAt.UtcTicks / TimeSpan.TicksPerMillisecond);
    }

    [SkippableFact]
    public async Task Timestamps_from_the_system_clock_round_trip_exactly()
    {
        SkipIfUnavailable();
        var store = new SqlExpertStore(Database);
        var before = DateTimeOffset.UtcNow;

        Assert.True(await store.TryAddAsync(new ExpertDefinition { Id = "now" }));

        var after = DateTimeOffset.UtcNow;
        var got = await store.GetAsync("now");
        Assert.InRange(got!.CreatedAt, Stored(before), after);
        Assert.Equal(got.CreatedAt, got.UpdatedAt);
        Assert.Equal(0, got.CreatedAt.UtcTicks % 10);
        Assert.Equal(got.CreatedAt, Assert.Single(await store.ListAsync()).CreatedAt);
    }

    [SkippableFact]
    public async Task Get_of_a_missing_id_returns_null()
    {
        SkipIfUnavailable();

        Assert.Null(await Store.GetAsync("nobody"));
    }

    [SkippableFact]
    public async Task List_is_in_ordinal_id_order_and_ids_are_case_sensitive()
    {
        SkipIfUnavailable();
        string[] ids = ["b", "B", "a", "ä", "A-1", "Z"];
        foreach (var id in ids)
        {
            Assert.True(await Store.TryAddAsync(new ExpertDefinition { Id = id }));
        }

        var listed = (await Store.ListAsync()).Select(e => e.Id).ToArray();

        Assert.Equal(ids.Order(StringComparer.Ordinal), listed);
        Assert.Null(await Store.GetAsync("z"));
        Assert.Equal("B", (await Store.GetAsync("B"))!.Id);
    }

    [SkippableFact]
    public async Task Duplicate_add_returns_false_and_keeps_the_first()
    {
        SkipIfUnavailable();
        Assert.True(await Store.TryAddAsync(FullExpert("dup")));
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await Store.TryAddAsync(new ExpertDefinition { Id = "dup", Description = "second" }));

        var got = await Store.GetAsync("dup");
        AssertSameContent(FullExpert("dup"), got);
        Assert.Equal(Stored(T0), got!.UpdatedAt);
    }

    [SkippableFact]
    public async Task Concurrent_adds_of_one_id_exactly_one_wins()
    {
        SkipIfUnavailable();

        var results = await Concurrently.RunAsync(16, i => Store.TryAddAsync(new ExpertDefinition { Id = "contested", Description = $"writer {i}" }));

        Assert.Single(results, r => r);
        var winner = Array.IndexOf(results, true);
        Assert.Equal($"writer {winner}", (await Store.GetAsync("contested"))!.Description);
    }

    [SkippableFact]
    public async Task Concurrent_writers_of_different_ids_all_succeed()
    {
        SkipIfUnavailable();
        const int writers = 32;

        await Concurrently.RunAsync(writers, async i =>
        {
            Assert.True(await Store.TryAddAsync(new ExpertDefinition { Id = $"w{i:D2}" }));
            Assert.True(await Store.UpdateAsync(new ExpertDefinition { Id = $"w{i:D2}", Description = "updated" }));
            await Store.UpsertAsync(new ExpertDefinition { Id = $"u{i:D2}", Tags = [$"t{i}"] });
            Assert.NotNull(await Store.GetAsync($"w{i:D2}"));
        });

        var all = await Store.ListAsync();
        Assert.Equal(2 * writers, all.Count);
        Assert.All(all.Where(e => e.Id.StartsWith('w')), e => Assert.Equal("updated", e.Description));
    }

    [SkippableFact]
    public async Task Update_replaces_fields_keeps_CreatedAt_and_bumps_UpdatedAt()
    {
        SkipIfUnavailable();
        Assert.True(await Store.TryAddAsync(FullExpert("upd")));
        Clock.Advance(TimeSpan.FromMinutes(5));
        var replacement = new ExpertDefinition
        {
            Id = "upd",
            DisplayName = "Renamed",
            Kind = ExpertKind.Gguf,
            Path = "/models/other.gguf",
            Sampling = new ExpertSampling { Temperature = 0f },
            Tags = ["only"],
            Source = ExpertSource.Demo,
            CreatedAt = DateTimeOffset.UnixEpoch,
        };

        Assert.True(await Store.UpdateAsync(replacement));

        var got = await Store.GetAsync("upd");
        AssertSameContent(replacement, got);
        Assert.Null(got!.BaseUrl);
        Assert.Equal(Stored(T0), got.CreatedAt);
        Assert.Equal(Stored(T0 + TimeSpan.FromMinutes(5)), got.UpdatedAt);
    }

    [SkippableFact]
    public async Task Update_of_a_missing_id_returns_false_and_creates_nothing()
    {
        SkipIfUnavailable();

        Assert.False(await Store.UpdateAsync(FullExpert("ghost")));

        Assert.Null(await Store.GetAsync("ghost"));
        Assert.Empty(await Store.ListAsync());
    }

    [SkippableFact]
    public async Task Upsert_inserts_then_replaces_keeping_CreatedAt()
    {
        SkipIfUnavailable();
        var first = FullExpert("cfg");

        await Store.UpsertAsync(first);
        var inserted = await Store.GetAsync("cfg");
        AssertSameContent(first, inserted);
        Assert.Equal(Stored(T0), inserted!.CreatedAt);

        Clock.Advance(TimeSpan.FromHours(1));
        var second = new ExpertDefinition { Id = "cfg", Kind = ExpertKind.Gguf, Path = "/m.gguf", Source = ExpertSource.Config };
        await Store.UpsertAsync(second);

        var replaced = await Store.GetAsync("cfg");
        AssertSameContent(second, replaced);
        Assert.Equal(Stored(T0), replaced!.CreatedAt);
        Assert.Equal(Stored(T0 + TimeSpan.FromHours(1)), replaced.UpdatedAt);
        Assert.Single(await Store.ListAsync());
    }

    [SkippableFact]
    public async Task Delete_removes_once()
    {
        SkipIfUnavailable();
        Assert.True(await Store.TryAddAsync(FullExpert("gone")));
        Assert.True(await Store.TryAddAsync(FullExpert("kept")));

        Assert.True(await Store.DeleteAsync("gone"));
        Assert.False(await Store.DeleteAsync("gone"));

        Assert.Null(await Store.GetAsync("gone"));
        Assert.Equal("kept", Assert.Single(await Store.ListAsync()).Id);
        Assert.True(await Store.TryAddAsync(FullExpert("gone")));
    }

    [SkippableFact]
    public async Task Ping_answers_true()
    {
        SkipIfUnavailable();

        Assert.True(await Store.PingAsync());
        Assert.True(await Database.PingAsync());
    }

    [SkippableFact]
    public async Task Invalid_ids_are_rejected_by_every_operation()
    {
        SkipIfUnavailable();
        string[] invalid = ["", new string('x', 129), "tab\there", "new\nline", "nul\0", "lone\ud800surrogate", "\u0085"];
        foreach (var id in invalid)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.TryAddAsync(new ExpertDefinition { Id = id }));
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.UpdateAsync(new ExpertDefinition { Id = id }));
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.UpsertAsync(new ExpertDefinition { Id = id }));
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetAsync(id));
            await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteAsync(id));
        }

        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.GetAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.TryAddAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.TryAddAsync(new ExpertDefinition { Id = "k", Kind = (ExpertKind)42 }));
        Assert.Empty(await Store.ListAsync());

        // The limits themselves are fine.
        var longest = new string('é', ExpertIds.MaxLength);
        Assert.True(await Store.TryAddAsync(new ExpertDefinition { Id = longest }));
        Assert.True(await Store.TryAddAsync(new ExpertDefinition { Id = "emoji-🚀" }));
        Assert.Equal(longest, (await Store.GetAsync(longest))!.Id);
    }

    [SkippableFact]
    public async Task Migrations_are_idempotent()
    {
        SkipIfUnavailable();
        var migrator = new DatabaseMigrator(Database);

        Assert.Empty(await migrator.MigrateAsync());
        Assert.Empty(await migrator.MigrateAsync());

        Assert.Equal(DatabaseMigrator.LatestVersion, await migrator.GetCurrentVersionAsync());
        Assert.Equal(SchemaMigrations.All.Count, await CountAsync(Database, "SELECT COUNT(*) FROM schema_migrations"));
    }

    [SkippableFact]
    public async Task Concurrent_migrators_on_a_fresh_database_apply_each_version_once()
    {
        SkipIfUnavailable();
        var options = await CreateIsolatedOptionsAsync();
        var databases = Enumerable.Range(0, 4).Select(_ => OpenDatabase(options)).ToArray();
        Assert.Equal(0, await new DatabaseMigrator(databases[0]).GetCurrentVersionAsync());

        var applied = await Concurrently.RunAsync(databases.Length, i => new DatabaseMigrator(databases[i]).MigrateAsync());

        Assert.Equal(SchemaMigrations.All.Select(m => m.Version), applied.SelectMany(a => a).Order());
        Assert.Equal(DatabaseMigrator.LatestVersion, await new DatabaseMigrator(databases[1]).GetCurrentVersionAsync());
        Assert.True(await new SqlExpertStore(databases[2]).TryAddAsync(FullExpert("after-race")));
    }

    [SkippableFact]
    public async Task A_failing_migration_rolls_back_completely()
    {
        SkipIfUnavailable();
        var database = OpenDatabase(await CreateIsolatedOptionsAsync());
        var first = new Migration(1, "one", "CREATE TABLE one (x INTEGER);", "CREATE TABLE one (x integer);");
        var broken = new Migration(
            2,
            "two",
            "CREATE TABLE two (x INTEGER); INSERT INTO two VALUES (1); INSERT INTO no_such_table VALUES (1);",
            "CREATE TABLE two (x integer); INSERT INTO two VALUES (1); INSERT INTO no_such_table VALUES (1);");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new DatabaseMigrator(database, [first, broken], null).MigrateAsync());

        Assert.Contains("Migration 2 (two)", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<DbException>(error.InnerException);
        var migrator = new DatabaseMigrator(database, [first, broken with { Sqlite = "CREATE TABLE two (x INTEGER);", Postgres = "CREATE TABLE two (x integer);" }], null);
        Assert.Equal(1, await migrator.GetCurrentVersionAsync());
        Assert.Equal(2, Assert.Single(await migrator.MigrateAsync()));
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM two"));
    }

    [SkippableFact]
    public async Task Data_survives_reopening_the_database()
    {
        SkipIfUnavailable();
        Assert.True(await Store.TryAddAsync(FullExpert("durable")));
        await Database.DisposeAsync();

        var reopened = OpenDatabase(Options);
        Assert.Empty(await new DatabaseMigrator(reopened).MigrateAsync());
        var got = await new SqlExpertStore(reopened).GetAsync("durable");

        AssertSameContent(FullExpert("durable"), got);
        Assert.Equal(Stored(T0), got!.CreatedAt);
    }

    protected static async Task<long> CountAsync(IDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
