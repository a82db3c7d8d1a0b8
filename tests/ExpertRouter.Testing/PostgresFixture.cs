using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ExpertRouter.Testing;

/// <summary>
/// One <see cref="PostgresTestServer"/> shared by a test collection. Each test assembly declares the
/// collection once: <c>[CollectionDefinition(PostgresFixture.Collection)] public sealed class
/// PostgresCollection : ICollectionFixture&lt;PostgresFixture&gt;;</c> and its Postgres test classes take
/// the fixture and start with <c>Skip.If(fixture.Server is null, fixture.SkipReason)</c> in a [SkippableFact].
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string Collection = "Postgres";

    private readonly IMessageSink? _diagnostics;

    public PostgresFixture(IMessageSink diagnostics) => _diagnostics = diagnostics;

    /// <summary>Null when this machine cannot run PostgreSQL; <see cref="SkipReason"/> says why.</summary>
    public PostgresTestServer? Server { get; private set; }

    public string? SkipReason { get; private set; }

    /// <summary>Why tests cannot use PostgreSQL here; null when <see cref="Server"/> runs.</summary>
    public string? UnavailableReason => Server is null ? SkipReason ?? "PostgreSQL is not available." : null;

    /// <summary>The server, after skipping the calling test when there is none.</summary>
    public PostgresTestServer RequireServer()
    {
        Skip.If(Server is null, UnavailableReason);
        return Server!;
    }

    public async Task InitializeAsync()
    {
        (Server, SkipReason) = await PostgresTestServer.TryStartAsync();
        _diagnostics?.OnMessage(new DiagnosticMessage(Server is null ? $"PostgreSQL tests skipped: {SkipReason}" : $"Started {Server}"));
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
