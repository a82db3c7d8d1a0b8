using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Routing;
using ExpertRouter.Core.Validation;
using ExpertRouter.Testing;

namespace ExpertRouter.Storage.Tests;

/// <summary>The profiling store on each provider: validation sets, runs with checkpoints (first write wins), versioned profiles.</summary>
public abstract class ProfilingStoreContractTests : MigratedDatabaseTests
{
    protected SqlProfilingStore Store { get; private set; } = null!;

    protected override void CreateStores(Database database)
    {
        Store = new SqlProfilingStore(database);
    }

    [SkippableFact]
    public async Task ValidationSets_RoundTripItems_AndDeleteWithTheirItems()
    {
        Skip.If(SkipReason is not null, SkipReason);
        ValidationItem[] items =
        [
            new(1, "a", "What is 2+2? ü", ["3", "4"], "B", ["arithmetic"], AnswerKind.MultipleChoice),
            new(2, "b", "Integrate x", null, "\\frac{x^2}{2}", null, AnswerKind.Math),
        ];
        var info = await Store.CreateValidationSetAsync("set", "desc", items);
        Assert.Equal(2, info.ItemCount);
        Assert.Equal(info, await Store.GetValidationSetAsync(info.Id));
        var back = await Store.GetValidationItemsAsync(info.Id);
        Assert.Equal(items[0].Question, back[0].Question);
        Assert.Equal(items[0].Choices, back[0].Choices);
        Assert.Equal(items[1].Answer, back[1].Answer);
        Assert.Equal(AnswerKind.Math, back[1].Kind);
        Assert.Contains(await Store.ListValidationSetsAsync(), s => s.Id == info.Id);
        Assert.True(await Store.DeleteValidationSetAsync(info.Id));
        Assert.Null(await Store.GetValidationSetAsync(info.Id));
        Assert.Empty(await Store.GetValidationItemsAsync(info.Id));
        Assert.False(await Store.DeleteValidationSetAsync(info.Id));
    }

    [SkippableFact]
    public async Task Runs_Checkpoints_AreFirstWriteWins_AndProfilesAreVersioned()
    {
        Skip.If(SkipReason is not null, SkipReason);
        var run = new ProfilingRun { Id = "run-1", ValidationSetId = "vs", ProfileId = "p", Settings = new ProfilingSettings { KeywordSamples = 3, Experts = ["x"] } };
        await Store.CreateRunAsync(run);
        var loaded = (await Store.GetRunAsync("run-1"))!;
        Assert.Equal(ProfilingStatus.Queued, loaded.Status);
        Assert.Equal(3, loaded.Settings.KeywordSamples);
        Assert.Equal(["x"], loaded.Settings.Experts);

        await Store.UpdateRunAsync(loaded with { Status = ProfilingStatus.Running, Progress = new ProfilingProgress { Phase = ProfilingPhase.Answering, Answered = new Dictionary<string, int> { ["x"] = 4 }, Fraction = 0.5 } });
        loaded = (await Store.GetRunAsync("run-1"))!;
        Assert.Equal(ProfilingStatus.Running, loaded.Status);
        Assert.Equal(4, loaded.Progress.Answered["x"]);
        Assert.Equal(ProfilingPhase.Answering, loaded.Progress.Phase);

        await Store.SaveKeywordsAsync("run-1", 0, ["algebra", "logic"]);
        await Store.SaveKeywordsAsync("run-1", 0, ["other"]);
        Assert.Equal(["algebra", "logic"], (await Store.GetKeywordsAsync("run-1"))[0]);

        await Store.SaveAnswerAsync("run-1", new StoredAnswer("x", 0, "Answer: B", "B", true, 1.5));
        await Store.SaveAnswerAsync("run-1", new StoredAnswer("x", 0, "Answer: C", "C", false, null));
        await Store.SaveAnswerAsync("run-1", new StoredAnswer("y", 0, "?", null, false, null));
        var answers = await Store.GetAnswersAsync("run-1");
        Assert.Equal(2, answers.Count);
        Assert.Equal(new StoredAnswer("x", 0, "Answer: B", "B", true, 1.5), answers[0]);
        Assert.False(answers[1].Correct);

        await Store.SaveAggregatorResultAsync("run-1", "x", 0, true);
        await Store.SaveAggregatorResultAsync("run-1", "x", 0, false);
        Assert.Equal([("x", 0, true)], await Store.GetAggregatorResultsAsync("run-1"));

        var profile = new SkillProfileSet
        {
            Id = "p",
            RunId = "run-1",
            ValidationSetId = "vs",
            Experts = [new ExpertProfile("x", new Dictionary<string, int> { ["algebra"] = 3, ["logic"] = -1 }, 3, 4)],
            Aggregator = "x",
            AggregatorAccuracy = new Dictionary<string, double> { ["x"] = 1 },
        };
        Assert.Equal(1, await Store.SaveProfileAsync(profile));
        Assert.Equal(2, await Store.SaveProfileAsync(profile with { Aggregator = "y" }));
        Assert.Equal([1, 2], await Store.ListProfileVersionsAsync("p"));
        var latest = (await Store.GetProfileAsync("p"))!;
        Assert.Equal(2, latest.Version);
        Assert.Equal("y", latest.Aggregator);
        Assert.Equal(3, latest.Experts[0].KeywordScores["algebra"]);
        Assert.Equal("x", (await Store.GetProfileAsync("p", 1))!.Aggregator);
        Assert.Single(await Store.ListProfilesAsync());
        Assert.Null(await Store.GetProfileAsync("missing"));
    }
}

public sealed class SqliteProfilingStoreTests : ProfilingStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new("expertrouter-profiling");

    protected override string? SkipReason => null;

    protected override Task<StorageOptions> CreateIsolatedOptionsAsync() => Task.FromResult(new StorageOptions { DataDirectory = _directory.Path });

    public void Dispose() => _directory.Dispose();
}

[Collection(PostgresFixture.Collection)]
public sealed class PostgresProfilingStoreTests(PostgresFixture fixture) : ProfilingStoreContractTests
{
    protected override string? SkipReason => fixture.UnavailableReason;

    protected override async Task<StorageOptions> CreateIsolatedOptionsAsync() =>
        new() { Provider = StorageProvider.Postgres, ConnectionString = await fixture.Server!.CreateSchemaAsync() };
}
