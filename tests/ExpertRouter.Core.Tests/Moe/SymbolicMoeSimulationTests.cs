using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Routing;
using ExpertRouter.Core.Validation;
using ExpertRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace ExpertRouter.Core.Tests.Moe;

/// <summary>
/// Symbolic-MoE end to end on scripted experts of known per-skill accuracy: profiling on 2000
/// generated multi-skill questions, then routing 200 unseen ones. The router must recruit the strong
/// expert per skill, beat the best single expert by 5 points and random-k clearly, and top-p must get
/// close to k = 3 with fewer expert calls.
/// </summary>
public sealed class SymbolicMoeSimulationTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> StrongExpertFor = new()
    {
        ["algebra"] = "math-pro",
        ["organic chemistry"] = "chem-pro",
        ["genetics"] = "bio-pro",
        ["contract law"] = "law-pro",
        ["macroeconomics"] = "econ-pro",
        ["cardiology"] = "med-pro",
    };

    private static (ScriptedWorld World, ScriptedExpertProvider Provider, InMemoryExpertStore Registry) CreatePool()
    {
        var world = ScriptedWorld.Create(2200, seed: 42);
        ScriptedExpert E(string id, Dictionary<string, double> acc, double fallback, double aggregator = 0.15) => new(id, world, acc, fallback, aggregator);
        var experts = new[]
        {
            // Like the paper's pool: every model is usable everywhere (similar overall accuracy), each
            // specialist is strong in one skill; the generalist is the best aggregator.
            E("math-pro", new() { ["algebra"] = 0.95 }, 0.5),
            E("chem-pro", new() { ["organic chemistry"] = 0.95 }, 0.5),
            E("bio-pro", new() { ["genetics"] = 0.95 }, 0.5),
            E("law-pro", new() { ["contract law"] = 0.95 }, 0.5),
            E("econ-pro", new() { ["macroeconomics"] = 0.95 }, 0.5),
            E("med-pro", new() { ["cardiology"] = 0.95 }, 0.5),
            E("generalist", new(), 0.57, aggregator: 0.35),
        };
        var registry = new InMemoryExpertStore();
        foreach (var e in experts)
        {
            registry.UpsertAsync(new ExpertDefinition { Id = e.Id, Kind = ExpertKind.OpenAi }).GetAwaiter().GetResult();
        }

        return (world, new ScriptedExpertProvider(experts), registry);
    }

    private static async Task<(InMemoryProfilingStore Store, ProfilingRun Run)> ProfileAsync(ScriptedWorld world, ScriptedExpertProvider provider, InMemoryExpertStore registry, PromptLibrary prompts)
    {
        var store = new InMemoryProfilingStore();
        var set = await store.CreateValidationSetAsync("sim", null, ScriptedWorld.ToValidationItems(world.Questions.Take(2000), withSkills: false));
        var run = new ProfilingRun { Id = "run-sim", ValidationSetId = set.Id, ProfileId = "sim", Settings = new ProfilingSettings { KeywordModel = "generalist", Seed = 1 } };
        await store.CreateRunAsync(run);
        var runner = new ProfilingRunner(store, registry, provider, prompts, new KeywordAnnotator(prompts), NullLogger<ProfilingRunner>.Instance);
        await runner.RunAsync(run.Id, CancellationToken.None);
        return (store, (await store.GetRunAsync(run.Id))!);
    }

    [Fact]
    public async Task AfterProfiling_RouterPicksStrongExperts_AndBeatsBestSingleAndRandom()
    {
        var (world, provider, registry) = CreatePool();
        var prompts = PromptLibrary.LoadDefault();
        var (store, run) = await ProfileAsync(world, provider, registry, prompts);
        Assert.True(run.Status == ProfilingStatus.Completed, run.Error);
        Assert.Equal(1.0, run.Progress.Fraction);
        var profile = (await store.GetProfileAsync("sim"))!;
        Assert.Equal("generalist", profile.Aggregator);
        Assert.Equal(7, profile.Experts.Count);
        // Distractor keywords vary between samples, so the repeat filter keeps them far less often than the true skills.
        var counts = (await store.GetKeywordsAsync(run.Id)).Values.SelectMany(k => k).GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        var weakestSkill = world.Skills.Min(s => counts.GetValueOrDefault(s));
        var strongestDistractor = counts.Where(c => !world.Skills.Contains(c.Key)).Select(c => c.Value).DefaultIfEmpty(0).Max();
        Assert.True(weakestSkill > 2 * strongestDistractor, $"skills {weakestSkill} vs distractors {strongestDistractor}: {string.Join(", ", counts)}");

        var stored = await store.GetAnswersAsync(run.Id);
        foreach (var g in stored.GroupBy(a => a.ExpertId))
        {
            output.WriteLine($"{g.Key}: " + string.Join(", ", world.Skills.Select(sk =>
            {
                var mine = g.Where(a => world.Questions[a.ItemIndex].Skills.SequenceEqual([sk])).ToList();
                return $"{sk} {mine.Count(a => a.Correct)}/{mine.Count}";
            })) + $"; total {profile.Experts.First(e => e.ExpertId == g.Key).GlobalScore}");
        }

        var options = Options.Create(new MoeOptions());
        var service = new SymbolicMoeService(new RouterContext(store, registry, options), provider, new KeywordAnnotator(prompts), new RouterEmbedder(provider, options), options);
        var executor = new MoeExecutor(registry, provider, prompts, options);
        var test = world.Questions.Skip(2000).ToList();

        // The strong expert per skill gets the highest probability.
        foreach (var (skill, strong) in StrongExpertFor)
        {
            var q = test.First(x => x.Skills.Count == 1 && x.Skills[0] == skill);
            var plan = await service.PlanAsync(ScriptedWorld.UserPrompt(q), MoeOverrides.None with { Seed = 3 }, CancellationToken.None);
            var top = plan.Explanation.Experts.OrderByDescending(e => e.Probability).First();
            Assert.True(strong == top.ExpertId, $"{skill}: expected {strong}, router preferred {top.ExpertId} ({string.Join(", ", plan.Explanation.Experts.Select(e => $"{e.ExpertId}: p={e.Probability:F2} local={e.Local} global={e.Global} gp={e.GlobalProbability:F2}"))}; keywords {string.Join(",", plan.Explanation.Keywords.Select(k => k.Keyword + ">" + k.ProfileKeyword))})");
            Assert.Contains(plan.Explanation.Keywords, k => k.ProfileKeyword == skill);
        }

        // Best single expert on the unseen questions.
        var single = new Dictionary<string, double>();
        foreach (var (id, expert) in provider.Experts)
        {
            var right = 0;
            foreach (var q in test)
            {
                var r = await expert.GetResponseAsync([new ChatMessage(ChatRole.User, ScriptedWorld.UserPrompt(q))], new ChatOptions { Temperature = 0 });
                right += AnswerExtractor.Extract(r.Text, AnswerKind.MultipleChoice, 4) == q.Gold ? 1 : 0;
            }

            single[id] = (double)right / test.Count;
        }

        var best = single.MaxBy(s => s.Value);
        var (moeAccuracy, moeCalls) = await RoutedAccuracy(service, executor, provider, test, MoeOverrides.None);
        var (topPAccuracy, topPCalls) = await RoutedAccuracy(service, executor, provider, test, MoeOverrides.None with { TopP = 0.4 });
        var (randomAccuracy, randomCalls) = await RandomKAccuracy(world, provider, prompts, test, profile.Aggregator!);

        output.WriteLine($"validation {run.Progress.Items} items, test {test.Count} items; expert accuracy on test: {string.Join(", ", single.Select(s => $"{s.Key} {s.Value:P1}"))}");
        output.WriteLine("| method | accuracy | expert answer calls per query |");
        output.WriteLine("|---|---:|---:|");
        output.WriteLine($"| best single expert ({best.Key}) | {best.Value:P1} | 1.00 |");
        output.WriteLine($"| random k=3 + aggregator | {randomAccuracy:P1} | {randomCalls:F2} |");
        output.WriteLine($"| Symbolic-MoE k=3 (with replacement) | {moeAccuracy:P1} | {moeCalls:F2} |");
        output.WriteLine($"| Symbolic-MoE top-p 0.4 | {topPAccuracy:P1} | {topPCalls:F2} |");

        Assert.True(moeAccuracy >= best.Value + 0.05, $"Symbolic-MoE {moeAccuracy:P1} vs best single {best.Value:P1}");
        Assert.True(moeAccuracy >= randomAccuracy + 0.10, $"Symbolic-MoE {moeAccuracy:P1} vs random-k {randomAccuracy:P1}");
        Assert.True(topPAccuracy >= moeAccuracy - 0.05, $"top-p {topPAccuracy:P1} vs k=3 {moeAccuracy:P1}");
        Assert.True(topPCalls < moeCalls, $"top-p used {topPCalls:F2} calls per query, k=3 {moeCalls:F2}");
    }

    private static async Task<(double Accuracy, double CallsPerQuery)> RoutedAccuracy(SymbolicMoeService service, MoeExecutor executor, ScriptedExpertProvider provider, List<ScriptedQuestion> test, MoeOverrides overrides)
    {
        var client = new MoeChatClient(service, executor, "moe/symbolic");
        var before = provider.Experts.Values.Sum(e => e.AnswerCalls);
        var right = 0;
        foreach (var q in test)
        {
            var options = new ChatOptions { Seed = 1000 + q.Number, AdditionalProperties = [] };
            if (overrides.TopP is { } p)
            {
                options.AdditionalProperties["routing_top_p"] = p;
            }

            options.AdditionalProperties["routing_seed"] = q.Number;
            var r = await client.GetResponseAsync([new ChatMessage(ChatRole.User, ScriptedWorld.UserPrompt(q))], options);
            Assert.IsType<RoutingExplanation>(r.AdditionalProperties![MoeChatClient.RoutingKey]);
            right += AnswerExtractor.Extract(r.Text, AnswerKind.MultipleChoice, 4) == q.Gold ? 1 : 0;
        }

        var calls = provider.Experts.Values.Sum(e => e.AnswerCalls) - before;
        return ((double)right / test.Count, (double)calls / test.Count);
    }

    /// <summary>Baseline: k = 3 experts drawn uniformly at random, aggregated the same way (consensus, else the aggregator).</summary>
    private static async Task<(double Accuracy, double CallsPerQuery)> RandomKAccuracy(ScriptedWorld world, ScriptedExpertProvider provider, PromptLibrary prompts, List<ScriptedQuestion> test, string aggregator)
    {
        var ids = provider.Experts.Keys.Order(StringComparer.Ordinal).ToList();
        var rng = new Random(9);
        var right = 0;
        var calls = 0;
        foreach (var q in test)
        {
            var chosen = ExpertSelection.RandomK(ids.Count, 3, rng).Select(i => ids[i]).ToList();
            var answers = new List<string>();
            foreach (var (id, i) in chosen.Select((id, i) => (id, i)))
            {
                var r = await provider.Experts[id].GetResponseAsync([new ChatMessage(ChatRole.User, ScriptedWorld.UserPrompt(q))], new ChatOptions { Temperature = 0.7f, Seed = 1000 + q.Number + i });
                answers.Add(r.Text);
                calls++;
            }

            var letters = answers.Select(a => AnswerExtractor.Extract(a, AnswerKind.MultipleChoice, 4)).ToList();
            string? final;
            if (letters.Distinct().Count() == 1)
            {
                final = letters[0];
            }
            else
            {
                var prompt = ProfilingRunner.AggregationPrompt(prompts, ScriptedWorld.UserPrompt(q), null, AnswerKind.MultipleChoice, answers);
                var r = await provider.Experts[aggregator].GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0 });
                final = AnswerExtractor.Extract(r.Text, AnswerKind.MultipleChoice, 4);
            }

            right += final == q.Gold ? 1 : 0;
        }

        _ = world;
        return ((double)right / test.Count, (double)calls / test.Count);
    }
}
