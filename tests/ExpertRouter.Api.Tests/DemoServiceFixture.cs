namespace ExpertRouter.Api.Tests;

/// <summary>One service with the generated demo experts, shared by the tests of a collection.</summary>
public sealed class DemoServiceFixture : IAsyncLifetime
{
    public ServiceHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class DemoServiceGroup : ICollectionFixture<DemoServiceFixture>
{
    public const string Name = "demo-service";
}
