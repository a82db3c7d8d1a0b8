using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Validation;
using ExpertRouter.Core.VectorStore;
using ExpertRouter.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace ExpertRouter.Core.Tests.Moe;

/// <summary>
/// RouterRetriever, GLIDER-style routing and the routing memory on scripted experts that differ by
/// domain (each strong in one skill, whose questions use that domain's vocabulary), over the real
/// embedded vector index and the built-in lexical embedder.
/// </summary>
public sealed class EmbeddingRoutersSimulationTests(ITestOutputHelper output)
{
    private static readonly (string Id, string Skill, string Description)[] Specialists =
    [
        ("math-pro", "algebra", "Algebra specialist: polynomials, equations, quadratic roots, factoring variables."),
        ("chem-pro", "organic chemistry", "Organic chemistry specialist: alkenes, benzene, esters, isomers, carbon reactions."),
        ("bio-pro", "genetics", "Genetics specialist: alleles, chromosomes, genes, DNA mutation and inheritance."),
        ("law-pro", "contract law", "Contract law specialist: offers, consideration, breach of contract, damages, clauses."),
        ("econ-pro", "macroeconomics", "Macroeconomics specialist: inflation, GDP, unemployment, monetary and fiscal policy, interest rates."),
        ("med-pro", "cardiology", "Cardiology specialist: the heart, cardiac arrhythmia, valves, arteries, ECG."),
    ];

    private static (ScriptedWorld World, ScriptedExpertProvider Provider, InMemoryExpertStore Registry) Pool()
    {
        var world = ScriptedWorld.Create(1400, seed: 7);
        var experts = Specialists.Select(s => new ScriptedExpert(s.Id, world, new Dictionary<string, double> { [s.Skill] = 0.95 }, 0.5))
            .Append(new ScriptedExpert("generalist", world, new Dictionary<string, double>(), 0.57, 0.35)).ToList();
        var registry = new InMemoryExpertStore();
        foreach (var s in Specialists)
        {
            registry.UpsertAsync(new ExpertDefinition { Id = s.Id, Kind = ExpertKind.OpenAi, Description = s.Description }).GetAwaiter().GetResult();
        }

        registry.UpsertAsync(new ExpertDefinition { Id = "generalist", Kind = ExpertKind.OpenAi, Description = "A general assistant for everyday questions." }).GetAwaiter().GetResult();
        return (world, new ScriptedExpertProvider(experts), registry);
    }

    private static async Task<double> AccuracyAsync(MoeChatClient client, IEnumerable<ScriptedQuestion> questions, Func<ScriptedQuestion, string, Task>? feedback = null)
    {
        var right = 0;
        var n = 0;
        foreach (var q in questions)
        {
            var options = new ChatOptions { Seed = q.Number, AdditionalProperties = new() { ["routing_seed"] = q.Number } };
            var r = await client.GetResponseAsync([new ChatMessage(ChatRole.User, ScriptedWorld.UserPrompt(q))], options);
            var ok = AnswerExtractor.Extract(r.Text, AnswerKind.MultipleChoice, 4) == q.Gold;
            right += ok ? 1 : 0;
            n++;
            if (feedback is not null)
            {
                await feedback(q, ok ? r.ResponseId! : "bad:" + r.ResponseId);
            }
        }

        return (double)right / n;
    }

    [Fact]
    public async Task RetrieverAndGlider_BeatRandom_AndMemoryImprovesWithFeedback()
    {
        var (world, provider, registry) = Pool();
        var prompts = PromptLibrary.LoadDefault();
        var options = Options.Create(new MoeOptions());
        using var vectors = new EmbeddedVectorStore();
        var store = new InMemoryProfilingStore();
        var context = new RouterContext(store, registry, options);
        var embedder = new RouterEmbedder(provider, options);
        var symbolic = new SymbolicMoeService(context, provider, new KeywordAnnotator(prompts), embedder, options);
        var executor = new MoeExecutor(registry, provider, prompts, options);
        var test = world.Questions.Skip(1200).ToList();

        // Routing memory first, from a cold start (no profile): random exploration, then feedback.
        var memory = new RoutingMemoryService(context, vectors, embedder, symbolic, options);
        var memoryClient = new MoeChatClient(memory, executor, "moe/memory", memory);
        var before = await AccuracyAsync(memoryClient, test);
        await AccuracyAsync(memoryClient, world.Questions.Skip(800).Take(400), async (_, id) =>
            await memory.FeedbackAsync(id.StartsWith("bad:", StringComparison.Ordinal) ? id[4..] : id, good: !id.StartsWith("bad:", StringComparison.Ordinal), CancellationToken.None));
        var after = await AccuracyAsync(memoryClient, test);

        // Profile on 800 questions, then RouterRetriever and GLIDER.
        var set = await store.CreateValidationSetAsync("sim", null, ScriptedWorld.ToValidationItems(world.Questions.Take(800), withSkills: true));
        await store.CreateRunAsync(new ProfilingRun { Id = "run-e", ValidationSetId = set.Id, ProfileId = "sim", Settings = new ProfilingSettings { Seed = 1, AggregatorBenchmarkItems = 20 } });
        await new ProfilingRunner(store, registry, provider, prompts, new KeywordAnnotator(prompts), NullLogger<ProfilingRunner>.Instance).RunAsync("run-e", CancellationToken.None);
        Assert.Equal(ProfilingStatus.Completed, (await store.GetRunAsync("run-e"))!.Status);

        var retriever = new RouterRetrieverService(context, store, vectors, embedder, options);
        using var glider = new GliderRouterService(context, provider, vectors, embedder, prompts, symbolic, options);
        var retrieverAccuracy = await AccuracyAsync(new MoeChatClient(retriever, executor, "moe/retriever"), test);
        var gliderAccuracy = await AccuracyAsync(new MoeChatClient(glider, executor, "moe/glider"), test);

        var rng = new Random(3);
        var ids = provider.Experts.Keys.Order(StringComparer.Ordinal).ToList();
        var randomRight = 0;
        foreach (var q in test)
        {
            var r = await provider.Experts[ids[rng.Next(ids.Count)]].GetResponseAsync([new ChatMessage(ChatRole.User, ScriptedWorld.UserPrompt(q))], new ChatOptions { Temperature = 0 });
            randomRight += AnswerExtractor.Extract(r.Text, AnswerKind.MultipleChoice, 4) == q.Gold ? 1 : 0;
        }

        var random = (double)randomRight / test.Count;
        var pilots = await vectors.CountAsync(RouterRetrieverService.Collection);
        output.WriteLine($"test {test.Count} questions; {pilots} pilots; vector store: {vectors.Describe()}");
        output.WriteLine("| router (one expert per query) | accuracy |");
        output.WriteLine("|---|---:|");
        output.WriteLine($"| random expert | {random:P1} |");
        output.WriteLine($"| RouterRetriever (average pilot similarity) | {retrieverAccuracy:P1} |");
        output.WriteLine($"| GLIDER-style (instruction vs description) | {gliderAccuracy:P1} |");
        output.WriteLine($"| routing memory, before feedback | {before:P1} |");
        output.WriteLine($"| routing memory, after feedback on 400 queries | {after:P1} |");

        Assert.True(retrieverAccuracy >= random + 0.15, $"retriever {retrieverAccuracy:P1} vs random {random:P1}");
        Assert.True(gliderAccuracy >= random + 0.15, $"glider {gliderAccuracy:P1} vs random {random:P1}");
        Assert.True(after >= before + 0.10, $"memory after {after:P1} vs before {before:P1}");

        // Removing an expert touches only its pilots; the router stops choosing it.
        await registry.DeleteAsync("bio-pro");
        var genetics = test.First(q => q.Skills.SequenceEqual(["genetics"]));
        var plan = await retriever.PlanAsync(ScriptedWorld.UserPrompt(genetics), MoeOverrides.None, CancellationToken.None);
        Assert.DoesNotContain("bio-pro", plan.Selected);
        Assert.Contains("bio-pro", plan.Explanation.RemovedExperts);
        Assert.Equal(pilots, await vectors.CountAsync(RouterRetrieverService.Collection));

        await Assert.ThrowsAsync<FeedbackNotFoundException>(() => memory.FeedbackAsync("chatcmpl-unknown", true, CancellationToken.None));
    }
}
