using System.Diagnostics;
using System.Numerics.Tensors;
using ExpertRouter.Core.Embeddings;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Routing;
using ExpertRouter.Core.VectorStore;
using ExpertRouter.Testing;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Bench;

/// <summary>
/// Routing decision latency without model calls: 16 experts and 10,000 stored vectors on the
/// embedded index, through the real routers (query embedding with the built-in lexical embedder,
/// exact search, per-expert scoring, selection). Prints p50/p99 per router and the recall of the
/// index against brute force. Target: p99 &lt; 2 ms; recall 1.0.
/// </summary>
internal static class RoutingBenchmark
{
    private static readonly string[] Domains = ["algebra polynomial equation root", "genetics allele chromosome dna", "contract breach offer damages", "inflation gdp monetary fiscal",
        "cardiac heart valve arrhythmia", "benzene alkene ester isomer", "optics lens refraction photon", "neuron synapse cortex memory",
        "tort negligence liability duty", "derivative integral limit series", "protein enzyme substrate binding", "tax deduction revenue audit",
        "algorithm graph complexity sort", "circuit voltage current resistor", "renaissance empire war treaty", "ethics virtue duty consequence"];

    public static async Task<int> RunAsync(string[] args)
    {
        var vectorsCount = Args.Int(args, "--vectors", 10_000);
        var queries = Args.Int(args, "--queries", 2000);
        var rng = new Random(1);
        var embedder = new LexicalEmbeddingGenerator();
        string Text(int domain) => string.Join(' ', Domains[domain].Split(' ').OrderBy(_ => rng.Next()).Take(3)) + " question " + rng.Next(1000);

        var registry = new InMemoryExpertStore();
        var profiles = new InMemoryProfilingStore();
        for (var e = 0; e < Domains.Length; e++)
        {
            await registry.UpsertAsync(new ExpertDefinition { Id = $"expert-{e:D2}", Kind = ExpertKind.OpenAi });
        }

        var experts = (await registry.ListAsync()).Select(e => e.Id).ToList();
        await profiles.SaveProfileAsync(new SkillProfileSet
        {
            Id = "bench",
            RunId = "run",
            ValidationSetId = "vs",
            Experts = [.. experts.Select(id => new ExpertProfile(id, new Dictionary<string, int> { ["x"] = 1 }, 1, 1))],
        });
        var profile = (await profiles.GetProfileAsync("bench"))!;
        await using var store = new EmbeddedVectorStore();
        var perExpert = vectorsCount / experts.Count;
        var pilots = new List<VectorPoint>();
        var memory = new List<VectorPoint>();
        for (var e = 0; e < experts.Count; e++)
        {
            for (var i = 0; i < perExpert; i++)
            {
                var v = embedder.Embed(Text(e));
                pilots.Add(new VectorPoint($"bench@{profile.Version}/{experts[e]}/{i}", v, new Dictionary<string, string> { ["profile"] = $"bench@{profile.Version}", ["expert"] = experts[e] }));
                memory.Add(new VectorPoint($"r{e}-{i}/{experts[e]}", v, new Dictionary<string, string> { ["expert"] = experts[e], ["outcome"] = rng.NextDouble() < 0.8 ? "good" : "bad" }));
            }
        }

        await store.EnsureCollectionAsync(RouterRetrieverService.Collection, embedder.Dimensions);
        await store.UpsertAsync(RouterRetrieverService.Collection, pilots);
        await store.EnsureCollectionAsync(RoutingMemoryService.MemoryCollection, embedder.Dimensions);
        await store.UpsertAsync(RoutingMemoryService.MemoryCollection, memory);

        var options = Options.Create(new MoeOptions { DefaultProfile = "bench" });
        var provider = new ScriptedExpertProvider([]);
        var context = new RouterContext(profiles, registry, options);
        var routerEmbedder = new RouterEmbedder(provider, options);
        var retriever = new RouterRetrieverService(context, profiles, store, routerEmbedder, options);
        var symbolic = new SymbolicMoeService(context, provider, new KeywordAnnotator(Core.Prompts.PromptLibrary.LoadDefault()), routerEmbedder, options);
        var memoryRouter = new RoutingMemoryService(context, store, routerEmbedder, symbolic, options);

        var texts = Enumerable.Range(0, queries).Select(i => Text(i % Domains.Length)).ToList();
        Console.WriteLine($"routing decision latency, no model calls: {experts.Count} experts, {pilots.Count} pilots and {memory.Count} memory points, {store.Describe()}, {queries} queries");
        Console.WriteLine("| router | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        var allMet = true;
        foreach (var (name, router) in new (string, IMoeRouter)[] { ("moe/retriever (average pilot similarity)", retriever), ("moe/memory (kNN over 20 neighbours)", memoryRouter) })
        {
            for (var i = 0; i < 200; i++)
            {
                await router.PlanAsync(texts[i], MoeOverrides.None, CancellationToken.None); // warm-up (JIT)
            }

            var latencies = new List<double>(queries);
            foreach (var t in texts)
            {
                var sw = Stopwatch.StartNew();
                await router.PlanAsync(t, MoeOverrides.None, CancellationToken.None);
                latencies.Add(sw.Elapsed.TotalMilliseconds);
            }

            latencies.Sort();
            var p99 = latencies[(int)Math.Ceiling(0.99 * latencies.Count) - 1];
            allMet &= p99 < 2;
            Console.WriteLine($"| {name} | {latencies[latencies.Count / 2]:F3} | {p99:F3} | {latencies[^1]:F3} |");
        }

        // Recall of the index against brute force over the same (stored, unit) vectors. Exact ties at
        // the 10th place may be returned in either order, so a hit is a result scoring at least the
        // brute-force 10th best.
        var stored = await store.ListAsync(RouterRetrieverService.Collection, withVectors: true);
        var hits = 0;
        var total = 0;
        foreach (var t in texts.Take(500))
        {
            var q = KMeans.Normalized(embedder.Embed(t));
            var scores = stored.ToDictionary(p => p.Id, p => TensorPrimitives.Dot(q, p.Vector));
            var tenth = scores.Values.OrderDescending().ElementAt(9);
            var got = await store.SearchAsync(RouterRetrieverService.Collection, q, 10);
            hits += got.Count(g => scores[g.Id] >= tenth - 1e-6f);
            total += 10;
        }

        var recall = (double)hits / total;
        Console.WriteLine($"recall@10 of the embedded index against brute force (500 queries): {recall:F3}");
        Console.WriteLine($"targets: p99 < 2 ms: {(allMet ? "met" : "NOT met")}; recall 1.0: {(recall == 1.0 ? "met" : "NOT met")}");
        return allMet && recall == 1.0 ? 0 : 1;
    }
}
