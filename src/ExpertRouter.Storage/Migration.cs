namespace ExpertRouter.Storage;

/// <summary>One schema step, written once per dialect. Versions only grow; a released migration is never edited.</summary>
internal sealed record Migration(int Version, string Name, string Sqlite, string Postgres)
{
    public string SqlFor(StorageProvider provider) => provider switch
    {
        StorageProvider.Sqlite => Sqlite,
        StorageProvider.Postgres => Postgres,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown storage provider."),
    };
}
