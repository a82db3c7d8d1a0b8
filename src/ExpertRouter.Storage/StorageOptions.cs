using Microsoft.Data.Sqlite;
using Npgsql;

namespace ExpertRouter.Storage;

/// <summary>
/// Database settings, bound from the <c>ExpertRouter:Storage</c> configuration section.
/// SQLite by default (<c>{DataDirectory}/expertrouter.db</c>); PostgreSQL when <see cref="Provider"/>
/// is <see cref="StorageProvider.Postgres"/> and <see cref="ConnectionString"/> is set.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "ExpertRouter:Storage";

    /// <summary>The SQLite file's name inside <see cref="DataDirectory"/>.</summary>
    public const string SqliteFileName = "expertrouter.db";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// Required for PostgreSQL (Npgsql syntax). Optional for SQLite (Microsoft.Data.Sqlite syntax);
    /// when given it wins over <see cref="DataDirectory"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Where the SQLite file lives (created on first use); relative paths are resolved against the current directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The problems with these settings, each naming the configuration key; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        switch (Provider)
        {
            case StorageProvider.Sqlite:
                ValidateSqlite(errors);
                break;
            case StorageProvider.Postgres:
                ValidatePostgres(errors);
                break;
            default:
                errors.Add($"{SectionName}:Provider '{Provider}' is not supported; use '{StorageProvider.Sqlite}' or '{StorageProvider.Postgres}'.");
                break;
        }

        return errors;
    }

    private void ValidateSqlite(List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            if (string.IsNullOrWhiteSpace(DataDirectory))
            {
                errors.Add($"{SectionName}:DataDirectory must not be empty (it holds the SQLite file {SqliteFileName}).");
            }

            return;
        }

        try
        {
            var builder = new SqliteConnectionStringBuilder(ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                errors.Add($"{SectionName}:ConnectionString for SQLite must name a file ('Data Source=...').");
            }
            else if (string.Equals(builder.DataSource, ":memory:", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(
                    $"{SectionName}:ConnectionString 'Data Source=:memory:' gives every pooled connection its own empty database; " +
                    "use a file, or 'Data Source=<name>;Mode=Memory;Cache=Shared' for a shared in-memory database.");
            }
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{SectionName}:ConnectionString is not a valid SQLite connection string: {ex.Message}");
        }
    }

    private void ValidatePostgres(List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add(
                $"{SectionName}:ConnectionString is required when {SectionName}:Provider is '{StorageProvider.Postgres}' " +
                "(e.g. 'Host=localhost;Port=5432;Database=expertrouter;Username=expertrouter;Password=...').");
            return;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                errors.Add($"{SectionName}:ConnectionString for PostgreSQL must name a server ('Host=...').");
            }
        }
        catch (ArgumentException ex)
        {
            // The message names the offending keyword, never the value, so no password leaks into logs.
            errors.Add($"{SectionName}:ConnectionString is not a valid PostgreSQL connection string: {ex.Message}");
        }
    }
}
