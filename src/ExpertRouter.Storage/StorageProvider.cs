namespace ExpertRouter.Storage;

/// <summary>Which database engine holds the service's state.</summary>
public enum StorageProvider
{
    /// <summary>A local SQLite file (default): <c>{DataDirectory}/expertrouter.db</c>.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server given by <see cref="StorageOptions.ConnectionString"/>.</summary>
    Postgres,
}
