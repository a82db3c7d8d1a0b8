using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.Core.Tests.Moe;

public sealed class ProfilingRunnerTests
{
    private static (ScriptedWorld, ScriptedExpertProvider, InMemoryExpertStore) Pool()
    {
        var world = ScriptedWorld.Create(120, seed: 5);
        var experts = new[]
        {
            new ScriptedExpert("a", world, new Dictionary<string, double> { ["algebra"] = 0.9 }, 0.5),
            new ScriptedExpert("b", world, new Dictionary<string, double> { ["genetics"] = 0.9 }, 0.5, 0.4),
            new ScriptedExpert("c", world, new Dictionary<string, double>(), 0.6),
        };
        var registry = new InMemoryExpertStore();
        foreach (var e in experts)
        {
            registry.UpsertAsync(new ExpertDefinition { Id = e.Id, Kind = ExpertKind.OpenAi }).GetAwaiter().GetResult();
        }

        return (world, new ScriptedExpertProvider(experts), registry);
    }

    [Fact]
    public async Task InterruptedRun_Resumes_WithoutRecomputingOrDuplicatingItems()
    {
        var (world, provider, registry) = Pool();
        var prompts = PromptLibrary.LoadDefault();
        var store = new InMemoryProfilingStore();
        var set = await store.CreateValidationSetAsync("r", null, ScriptedWorld.ToValidationItems(world.Questions, withSkills: true));
        await store.CreateRunAsync(new ProfilingRun { Id = "run-r", ValidationSetId = set.Id, ProfileId = "r", Settings = new ProfilingSettings { Parallelism = 4 } });
        var runner = new ProfilingRunner(store, registry, provider, prompts, new KeywordAnnotator(prompts), NullLogger<ProfilingRunner>.Instance);

        using (var crash = new CancellationTokenSource())
        {
            store.AnswerSaved = n =>
            {
                if (n == 150)
                {
                    crash.Cancel(); // the process "dies" halfway through the answering phase
                }
            };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync("run-r", crash.Token));
        }

        var interrupted = (await store.GetRunAsync("run-r"))!;
        Assert.Equal(ProfilingStatus.Running, interrupted.Status);
        Assert.Null(await store.GetProfileAsync("r"));
        var callsBefore = provider.Experts.Values.Sum(e => e.AnswerCalls);
        var savedBefore = store.AnswerWrites;

        store.AnswerSaved = null;
        await runner.RunAsync("run-r", CancellationToken.None);
        var run = (await store.GetRunAsync("run-r"))!;
        Assert.Equal(ProfilingStatus.Completed, run.Status);
        Assert.Equal(360, store.AnswerWrites); // 120 items x 3 experts, each stored exactly once
        Assert.Equal(360, (await store.GetAnswersAsync("run-r")).Count);
        var recomputed = provider.Experts.Values.Sum(e => e.AnswerCalls) - callsBefore;
        Assert.Equal(360 - savedBefore, recomputed); // only the items that were not saved were asked again
        Assert.Equal(1, run.ProfileVersion);
    }

    [Fact]
    public async Task EmptySetOrUnknownExpert_FailsTheRunWithAClearError()
    {
        var (_, provider, registry) = Pool();
        var prompts = PromptLibrary.LoadDefault();
        var store = new InMemoryProfilingStore();
        var empty = await store.CreateValidationSetAsync("e", null, []);
        await store.CreateRunAsync(new ProfilingRun { Id = "run-e", ValidationSetId = empty.Id, ProfileId = "e" });
        var runner = new ProfilingRunner(store, registry, provider, prompts, new KeywordAnnotator(prompts), NullLogger<ProfilingRunner>.Instance);
        await runner.RunAsync("run-e", CancellationToken.None);
        var run = (await store.GetRunAsync("run-e"))!;
        Assert.Equal(ProfilingStatus.Failed, run.Status);
        Assert.Contains("empty", run.Error, StringComparison.Ordinal);

        var world = ScriptedWorld.Create(10, 1);
        var set = await store.CreateValidationSetAsync("u", null, ScriptedWorld.ToValidationItems(world.Questions, true));
        await store.CreateRunAsync(new ProfilingRun { Id = "run-u", ValidationSetId = set.Id, ProfileId = "u", Settings = new ProfilingSettings { Experts = ["a", "ghost"] } });
        await runner.RunAsync("run-u", CancellationToken.None);
        run = (await store.GetRunAsync("run-u"))!;
        Assert.Equal(ProfilingStatus.Failed, run.Status);
        Assert.Contains("ghost", run.Error, StringComparison.Ordinal);
        Assert.Null(await store.GetProfileAsync("u"));
    }
}
