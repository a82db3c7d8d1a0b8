using ExpertRouter.Testing;

namespace ExpertRouter.Storage.Tests;

/// <summary>All PostgreSQL tests of this assembly share one throwaway server.</summary>
[CollectionDefinition(PostgresFixture.Collection)]
public sealed class PostgresCollectionDefinition : ICollectionFixture<PostgresFixture>;
