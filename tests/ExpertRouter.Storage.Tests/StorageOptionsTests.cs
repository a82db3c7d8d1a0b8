using ExpertRouter.Core.Experts;
using ExpertRouter.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Storage.Tests;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Defaults_are_sqlite_in_the_data_directory()
    {
        var options = new StorageOptions();

        Assert.Equal(StorageProvider.Sqlite, options.Provider);
        Assert.Equal("data", options.DataDirectory);
        Assert.Null(options.ConnectionString);
        Assert.Empty(options.Validate());
        Assert.Equal("ExpertRouter:Storage", StorageOptions.SectionName);
    }

    [Fact]
    public void Postgres_without_a_connection_string_is_a_clear_error()
    {
        var options = new StorageOptions { Provider = StorageProvider.Postgres };

        var error = Assert.Single(options.Validate());
        Assert.Contains("ExpertRouter:Storage:ConnectionString is required", error, StringComparison.Ordinal);
        Assert.Contains("Postgres", error, StringComparison.Ordinal);

        var thrown = Assert.Throws<OptionsValidationException>(() => new Database(options));
        Assert.Contains("ExpertRouter:Storage:ConnectionString is required", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_postgres_connection_string_is_reported_without_its_secrets()
    {
        var options = new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = "Host=db;Password=hunter2;NoSuchKeyword=1" };

        var error = Assert.Single(options.Validate());

        Assert.Contains("not a valid PostgreSQL connection string", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_needs_a_data_directory_or_a_file()
    {
        Assert.Contains("DataDirectory", Assert.Single(new StorageOptions { DataDirectory = " " }.Validate()), StringComparison.Ordinal);
        Assert.Contains("must name a file", Assert.Single(new StorageOptions { ConnectionString = "Cache=Shared" }.Validate()), StringComparison.Ordinal);
        Assert.Empty(new StorageOptions { DataDirectory = " ", ConnectionString = "Data Source=/tmp/x.db" }.Validate());
        Assert.Contains("own empty database", Assert.Single(new StorageOptions { ConnectionString = "Data Source=:memory:" }.Validate()), StringComparison.Ordinal);
        Assert.Empty(new StorageOptions { ConnectionString = "Data Source=shared;Mode=Memory;Cache=Shared" }.Validate());
    }

    [Fact]
    public void An_undefined_provider_is_rejected()
    {
        Assert.Contains("not supported", Assert.Single(new StorageOptions { Provider = (StorageProvider)7 }.Validate()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_never_shows_the_password()
    {
        await using var database = new Database(new StorageOptions
        {
            Provider = StorageProvider.Postgres,
            ConnectionString = "Host=db.internal;Port=6543;Database=router;Username=svc;Password=hunter2",
        });

        Assert.Equal("PostgreSQL db.internal:6543/router as svc", database.Describe());
    }

    [Fact]
    public async Task Di_registers_singletons_and_binds_the_section()
    {
        using var directory = new TempDirectory();
        var services = new ServiceCollection();
        services.AddExpertRouterStorage(new TestConfiguration(new Dictionary<string, string?>
        {
            ["ExpertRouter:Storage:Provider"] = "sqlite",
            ["ExpertRouter:Storage:DataDirectory"] = directory.Combine("from-section"),
            ["ExpertRouter:DataDirectory"] = directory.Combine("shared"),
        }));

        foreach (var type in new[] { typeof(IDatabase), typeof(DatabaseMigrator), typeof(IExpertStore) })
        {
            Assert.Equal(ServiceLifetime.Singleton, Assert.Single(services, d => d.ServiceType == type).Lifetime);
        }

        var provider = new MiniServiceProvider(services);
        var options = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
        Assert.Equal(directory.Combine("from-section"), options.DataDirectory);
        var database = provider.GetRequiredService<IDatabase>();
        Assert.Same(database, provider.GetRequiredService<IDatabase>());
        await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync();
        var store = provider.GetRequiredService<IExpertStore>();
        Assert.True(await store.TryAddAsync(new ExpertDefinition { Id = "via-di" }));
        Assert.True(File.Exists(Path.Combine(directory.Combine("from-section"), StorageOptions.SqliteFileName)));
        await ((Database)database).DisposeAsync();
    }

    [Fact]
    public void Di_falls_back_to_the_service_wide_data_directory()
    {
        var services = new ServiceCollection();
        services.AddExpertRouterStorage(new TestConfiguration(new Dictionary<string, string?> { ["ExpertRouter:DataDirectory"] = "/data" }));

        var options = new MiniServiceProvider(services).GetRequiredService<IOptions<StorageOptions>>().Value;

        Assert.Equal("/data", options.DataDirectory);
        Assert.Equal(StorageProvider.Sqlite, options.Provider);
    }

    [Fact]
    public void Di_reports_postgres_without_a_connection_string_on_first_use()
    {
        var services = new ServiceCollection();
        services.AddExpertRouterStorage(new TestConfiguration(new Dictionary<string, string?> { ["ExpertRouter:Storage:Provider"] = "Postgres" }));
        var provider = new MiniServiceProvider(services);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IDatabase>());

        Assert.Contains("ExpertRouter:Storage:ConnectionString is required", error.Message, StringComparison.Ordinal);
    }
}
