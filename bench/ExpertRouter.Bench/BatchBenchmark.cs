using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ExpertRouter.Api;
using ExpertRouter.LlamaCpp;
using ExpertRouter.LlamaCpp.Chat;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Hosting;
using ExpertRouter.LlamaCpp.Native;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExpertRouter.Bench;

/// <summary>
/// 64 chat requests over 8 generated experts (~100M parameters each, q8_0, distinct seeds), interleaved
/// (request i goes to expert i mod 8), greedy, the same number of generated tokens each:
/// (a) naively, one after another, each request loading its expert and creating its context, generating,
///     and unloading (64 loads);
/// (b) as one batch job through the real service (one long-running instance, every expert unloaded before the job) (<c>/v1/files</c> + <c>/v1/batches</c>), which groups the
///     lines by expert, loads each expert once and decodes its lines together in shared batches.
/// Measured for short and longer answers (<c>--tokens 8,32</c>), after an unmeasured warm-up. Prints wall
/// time, model loads, generated tokens/s, the ratio, and per expert the decode steps shared by several
/// lines (proof of batching); asserts nothing.
/// </summary>
internal static class BatchBenchmark
{
    private const int Experts = 8;
    private static int PollMilliseconds = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = Args.Int(args, "--requests", 64);
        var lengths = (Args.String(args, "--tokens") ?? "8,32").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var contextSize = Args.Int(args, "--context", 256);
        PollMilliseconds = Args.Int(args, "--poll-ms", 100);
        var dir = Path.Combine(NativeLibraryProvisioner.DefaultCacheRoot, "bench-models");
        Console.WriteLine($"generating (or reusing) {Experts} experts in {dir} ...");
        var paths = Enumerable.Range(0, Experts).Select(i => TestModelGenerator.EnsureGenerated(Spec(i), dir)).ToArray();
        var info = GgufModelInfo.Read(paths[0]);
        Console.WriteLine($"experts: {Experts} x {info.ParameterCount / 1e6:F1}M parameters, {info.Quantization}, {new FileInfo(paths[0]).Length / 1e6:F0} MB each");
        foreach (var path in paths)
        {
            await using var warm = File.OpenRead(path); // both runs start from a warm page cache
            await warm.CopyToAsync(Stream.Null);
        }

        await LlamaRuntime.InitializeAsync(new LlamaEngineOptions());
        await using var service = await BenchService.StartAsync(paths, dir, contextSize);

        // A long-running service in steady state: one service instance for the warm-up and every measured job (a
        // fresh instance per job would measure its start-up work: endpoints, serializers and DI compiled, competing with
        // llama.cpp's threads on small machines), and a warm-up first. Each measured job starts with every expert
        // unloaded. This process, like the service host, runs without tiered JIT (see the .csproj).
        // --warm-up 0 measures a just-started service instead.
        var warmUpSeconds = Args.Int(args, "--warm-up", 15);
        Console.WriteLine($"warm-up (not measured): naive requests, grouped runs and full-size batch jobs for at least {warmUpSeconds} s");
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(warmUpSeconds))
        {
            await NaiveAsync(paths, Prompts(Experts), 4, contextSize);
            await BatchedAsync(service, Prompts(requests), 4);
            await GroupedAsync(paths, Prompts(requests), 4, contextSize);
        }

        var results = new List<(int Tokens, Run Naive, Run Batched, Run Grouped)>();
        foreach (var tokens in lengths)
        {
            Console.WriteLine($"measuring {requests} requests x {tokens} tokens: (a) naive, (b) batch job, (c) engine alone grouped");
            var prompts = Prompts(requests);
            var naive = await NaiveAsync(paths, prompts, tokens, contextSize);
            var batched = await BatchedAsync(service, prompts, tokens);
            var grouped = await GroupedAsync(paths, prompts, tokens, contextSize);
            Console.WriteLine($"  (c) engine only, grouped, no service: {grouped.Seconds:F1} s");
            foreach (var line in grouped.Groups)
            {
                Console.WriteLine("    " + line);
            }

            results.Add((tokens, naive, batched, grouped));
            var same = batched.Texts.Count(p => naive.Texts.TryGetValue(p.Key, out var t) && t == p.Value);
            Console.WriteLine($"  batch status {batched.Status}, {batched.Texts.Count}/{requests} lines, {same}/{batched.Texts.Count} identical to the naive answers");
            foreach (var line in batched.Groups)
            {
                Console.WriteLine("  " + line);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"## Batch: {requests} chat requests over {Experts} experts (~{info.ParameterCount / 1e6:F0}M q8_0 each), interleaved (request i -> expert i mod {Experts}), greedy, context {contextSize}, {Environment.ProcessorCount} CPU threads, " +
            (warmUpSeconds > 0 ? $"after a {warmUpSeconds} s warm-up (steady state)" : "no warm-up (a just-started service)"));
        Console.WriteLine("| tokens/request | run | wall s | model loads | generated tokens | tokens/s |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|");
        foreach (var (tokens, naive, batched, grouped) in results)
        {
            Console.WriteLine($"| {tokens} | (a) naive: load + context + generate + unload per request | {naive.Seconds:F1} | {naive.Loads} | {naive.Tokens} | {naive.Tokens / naive.Seconds:F1} |");
            Console.WriteLine($"| {tokens} | (b) one batch job through the service | {batched.Seconds:F1} | {batched.Loads} | {batched.Tokens} | {batched.Tokens / batched.Seconds:F1} |");
            Console.WriteLine($"| {tokens} | (c) informational: the engine alone, per expert one load and its 8 requests at once (no service, no queue) | {grouped.Seconds:F1} | {grouped.Loads} | {grouped.Tokens} | {grouped.Tokens / grouped.Seconds:F1} |");
        }

        foreach (var (tokens, naive, batched, grouped) in results)
        {
            var ratio = naive.Seconds / batched.Seconds;
            Console.WriteLine($"{tokens} tokens/request: (b) is {ratio:F2}x faster than (a) (target >= 3x: {(ratio >= 3 ? "met" : "NOT met")}); " +
                $"loads {batched.Loads} == distinct experts {Experts}: {(batched.Loads == Experts ? "yes" : "no")}; " +
                $"(c)/(a) {naive.Seconds / grouped.Seconds:F2}x is what grouping and batching alone give on this machine");
        }

        return 0;
    }

    private static (int Expert, string Text)[] Prompts(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (Expert: i % Experts, Text: $"Question {i}: explain topic {i * 7} in a few sentences."))];

    /// <summary>(a): per request, load the expert and create its context, generate, unload.</summary>
    private static async Task<Run> NaiveAsync(string[] paths, (int Expert, string Text)[] prompts, int tokens, int contextSize)
    {
        var clock = Stopwatch.StartNew();
        long generated = 0;
        var texts = new Dictionary<int, string>();
        for (var i = 0; i < prompts.Length; i++)
        {
            var (expert, text) = prompts[i];
            using var model = await LlamaModel.LoadAsync(paths[expert], new LlamaModelOptions { ContextSize = contextSize, MaxSequences = 1 });
            using var chat = new LlamaChatClient(model, $"bench-expert-{expert}");
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, text)], Options(tokens));
            generated += response.Usage?.OutputTokenCount ?? 0;
            texts[i] = response.Text;
        }

        return new Run(clock.Elapsed.TotalSeconds, prompts.Length, generated, texts, "", []);
    }

    /// <summary>(c), informational: the engine alone, no service: per expert one load, all its requests at once.</summary>
    private static async Task<Run> GroupedAsync(string[] paths, (int Expert, string Text)[] prompts, int tokens, int contextSize)
    {
        var clock = Stopwatch.StartNew();
        long generated = 0;
        var texts = new Dictionary<int, string>();
        var groups = new List<string>();
        foreach (var group in prompts.Select((p, i) => (p.Expert, p.Text, Index: i)).GroupBy(p => p.Expert))
        {
            var loadClock = Stopwatch.StartNew();
            using var model = await LlamaModel.LoadAsync(paths[group.Key], new LlamaModelOptions { ContextSize = contextSize, MaxSequences = 8 });
            var load = loadClock.Elapsed.TotalSeconds;
            using var chat = new LlamaChatClient(model, $"bench-expert-{group.Key}");
            var answers = await Task.WhenAll(group.Select(async p => (p.Index, Response: await chat.GetResponseAsync([new ChatMessage(ChatRole.User, p.Text)], Options(tokens)))));
            foreach (var (index, response) in answers)
            {
                generated += response.Usage?.OutputTokenCount ?? 0;
                texts[index] = response.Text;
            }

            var stats = model.Stats;
            groups.Add($"bench-expert-{group.Key}: load + context {load:F2} s, then {loadClock.Elapsed.TotalSeconds - load:F2} s: prompts {stats.PromptTokens} tokens in {stats.PrefillCalls} calls {stats.PrefillTime.TotalSeconds:F2} s, {stats.Steps} steps {stats.DecodeTime.TotalSeconds:F2} s");
        }

        return new Run(clock.Elapsed.TotalSeconds, Experts, generated, texts, "", groups);
    }

    /// <summary>The service for (b): started once, the experts registered (maxSequences 8).</summary>
    private sealed class BenchService : IAsyncDisposable
    {
        private BenchService(WebApplication app, HttpClient http, string data)
        {
            App = app;
            Http = http;
            Data = data;
        }

        public WebApplication App { get; }

        public HttpClient Http { get; }

        private string Data { get; }

        public static async Task<BenchService> StartAsync(string[] paths, string dir, int contextSize)
        {
            var data = Directory.CreateTempSubdirectory("er-bench-batch-").FullName;
            var app = ExpertRouterApp.Create(["--urls", "http://127.0.0.1:0"], b =>
            {
                b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["ExpertRouter:DataDirectory"] = data,
                    ["ExpertRouter:DemoExperts"] = "false",
                    ["ExpertRouter:ModelDirectories:0"] = dir,
                    ["Logging:LogLevel:Default"] = "Warning",
                });
                b.Logging.SetMinimumLevel(LogLevel.Warning);
            });
            await app.StartAsync();
            var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(30) };
            for (var e = 0; e < Experts; e++)
            {
                await Post(http, "/api/experts", new { id = $"bench-expert-{e}", kind = "gguf", path = paths[e], contextSize, maxSequences = 8 });
            }

            return new BenchService(app, http, data);
        }

        /// <summary>Unloads every expert, so a job starts cold; returns the loads counted so far.</summary>
        public async Task<int> UnloadAllAsync()
        {
            for (var e = 0; e < Experts; e++)
            {
                await Post(Http, $"/api/experts/bench-expert-{e}/unload", new { });
            }

            var snapshot = App.Services.GetRequiredService<LlamaModelManager>().Snapshot();
            if (snapshot.Any(s => s.State is ModelState.Resident or ModelState.Loading))
            {
                throw new InvalidOperationException("an expert is still loaded");
            }

            return snapshot.Sum(s => s.Loads);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
            Directory.Delete(Data, recursive: true);
        }
    }

    /// <summary>(b): one batch job through the running service, every expert unloaded first, from upload to completion.</summary>
    private static async Task<Run> BatchedAsync(BenchService service, (int Expert, string Text)[] prompts, int tokens)
    {
        var http = service.Http;
        var loadsBefore = await service.UnloadAllAsync();
        var jsonl = string.Join("\n", prompts.Select((p, i) => JsonSerializer.Serialize(new
        {
            custom_id = $"r{i}",
            method = "POST",
            url = "/v1/chat/completions",
            body = new { model = $"bench-expert-{p.Expert}", messages = new[] { new { role = "user", content = p.Text } }, max_tokens = tokens, temperature = 0, ignore_eos = true },
        })));
        var clock = Stopwatch.StartNew();
        using var form = new MultipartFormDataContent();
        using var file = new ByteArrayContent(Encoding.UTF8.GetBytes(jsonl));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(new StringContent("batch"), "purpose");
        form.Add(file, "file", "bench.jsonl");
        var fileId = (await Read(await http.PostAsync("/v1/files", form))).GetProperty("id").GetString();
        var batchId = (await Read(await http.PostAsJsonAsync("/v1/batches", new { input_file_id = fileId, endpoint = "/v1/chat/completions", completion_window = "24h" }))).GetProperty("id").GetString();
        JsonElement batch;
        while (true)
        {
            batch = await Read(await http.GetAsync($"/v1/batches/{batchId}"));
            if (batch.GetProperty("status").GetString() is "completed" or "failed" or "cancelled" or "expired")
            {
                break;
            }

            await Task.Delay(PollMilliseconds);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var output = (await http.GetStringAsync($"/v1/files/{batch.GetProperty("output_file_id").GetString()}/content"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var generated = output.Sum(l => l.GetProperty("response").GetProperty("body").GetProperty("usage").GetProperty("completion_tokens").GetInt64());
        var texts = output.ToDictionary(
            l => int.Parse(l.GetProperty("custom_id").GetString()![1..], CultureInfo.InvariantCulture),
            l => l.GetProperty("response").GetProperty("body").GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!);
        var snapshot = service.App.Services.GetRequiredService<LlamaModelManager>().Snapshot();
        var job = await Read(await http.GetAsync($"/api/jobs/{batchId}"));
        var groups = new List<string>
        {
            "phases: " + string.Join(", ", job.GetProperty("job").GetProperty("progress").GetProperty("phases").EnumerateArray()
                .Select(p => $"{p.GetProperty("name").GetString()} {p.GetProperty("seconds").GetDouble():F2} s")) + $"; upload to final status {seconds:F2} s",
        };
        foreach (var g in job.GetProperty("job").GetProperty("progress").GetProperty("experts").EnumerateArray())
        {
            var name = g.GetProperty("name").GetString()!;
            var stats = snapshot.FirstOrDefault(s => s.Key == name)?.Stats;
            groups.Add($"{name}: {g.GetProperty("done").GetInt32()}/{g.GetProperty("lines").GetInt32()} lines in {g.GetProperty("seconds").GetDouble():F2} s after its load; " +
                $"decode steps {stats?.Steps}, shared by several lines {stats?.SharedSteps}, most lines in one step {stats?.MaxSequencesInStep}, in llama_decode {stats?.DecodeTime.TotalSeconds:F2} s, " +
                $"prompts {stats?.PromptTokens} tokens in {stats?.PrefillCalls} calls, {stats?.PrefillTime.TotalSeconds:F2} s"); // a model's counters start at its load
        }

        return new Run(seconds, snapshot.Sum(s => s.Loads) - loadsBefore, generated, texts, batch.GetProperty("status").GetString()!, groups);
    }

    /// <summary>~106M parameters: n_embd 768, 8 layers, 12 heads, n_ff 2048, vocabulary 32000, q8_0; a distinct seed per expert.</summary>
    private static TestModelSpec Spec(int index) => new()
    {
        Name = $"bench-expert-{index}",
        EmbeddingLength = 768,
        BlockCount = 8,
        HeadCount = 12,
        HeadCountKv = 12,
        FeedForwardLength = 2048,
        VocabSize = 32000,
        FileType = GgmlType.Q8_0,
        Seed = 1000 + (ulong)index,
    };

    private static ChatOptions Options(int tokens) => new()
    {
        Temperature = 0,
        MaxOutputTokens = tokens,
        AdditionalProperties = new() { [ChatRequestMapper.IgnoreEosKey] = true },
    };

    private static async Task Post(HttpClient http, string url, object body)
    {
        using var r = await http.PostAsJsonAsync(url, body);
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{url}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }

    private sealed record Run(double Seconds, int Loads, long Tokens, Dictionary<int, string> Texts, string Status, List<string> Groups);

    private static async Task<JsonElement> Read(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
            }

            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }
}
