using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ExpertRouter.LlamaCpp;
using ExpertRouter.LlamaCpp.Generation;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.Bench;

/// <summary>
/// Our engine vs llama.cpp's llama-batched-bench, same model, same settings, alternating rounds in
/// one run: 16-token prompts, 128 generated tokens, 1 and 8 sequences. Generation speed is measured
/// the same way on both sides: tokens decoded after every sequence has its prompt processed,
/// divided by the time that took.
/// </summary>
internal static class EngineBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var threads = IntArg(args, "--threads", Environment.ProcessorCount);
        var genTokens = IntArg(args, "--tokens", 128);
        var promptTokens = IntArg(args, "--prompt", 16);
        var rounds = IntArg(args, "--rounds", 3);
        int[] parallel = [1, 8];
        var contextPerSeq = 256;
        var totalContext = contextPerSeq * parallel.Max();

        var info = await LlamaRuntime.InitializeAsync(new LlamaEngineOptions());
        Console.WriteLine($"backend: {info.Summary}");
        var modelPath = StringArg(args, "--model") ?? await EnsureBenchModelAsync();
        var model = GgufModelInfo.Read(modelPath);
        Console.WriteLine($"model: {modelPath} ({model.ParameterCount / 1e6:F1}M parameters, {model.Quantization}, {new FileInfo(modelPath).Length / 1e6:F0} MB)");
        var batchedBench = await LlamaTools.EnsureAsync("llama-batched-bench");

        var theirs = parallel.ToDictionary(p => p, _ => new List<double>());
        var ours = parallel.ToDictionary(p => p, _ => new List<double>());
        var loads = new List<double>();
        var contexts = new List<double>();
        var unloads = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            Console.WriteLine($"round {round}/{rounds}: llama-batched-bench");
            var output = await LlamaTools.RunAsync(batchedBench, ["-m", modelPath, "-c", totalContext.ToString(CultureInfo.InvariantCulture),
                "-b", "512", "-ub", "512", "-npp", promptTokens.ToString(CultureInfo.InvariantCulture), "-ntg", genTokens.ToString(CultureInfo.InvariantCulture),
                "-npl", string.Join(',', parallel), "-t", threads.ToString(CultureInfo.InvariantCulture), "-tb", threads.ToString(CultureInfo.InvariantCulture),
                "--output-format", "jsonl"], echo: false);
            foreach (var line in output.Split('\n').Where(l => l.StartsWith('{')))
            {
                using var doc = JsonDocument.Parse(line);
                var pl = doc.RootElement.GetProperty("pl").GetInt32();
                theirs[pl].Add(doc.RootElement.GetProperty("speed_tg").GetDouble());
            }

            Console.WriteLine($"round {round}/{rounds}: ExpertRouter engine");
            var sw = Stopwatch.StartNew();
            var llama = await LlamaModel.LoadAsync(modelPath, new LlamaModelOptions
            {
                ContextSize = contextPerSeq,
                MaxSequences = parallel.Max(),
                BatchSize = 512,
                Threads = threads,
            });
            loads.Add(llama.LoadTime.TotalMilliseconds);
            contexts.Add(llama.ContextCreateTime.TotalMilliseconds);
            await Generate(llama, 1, promptTokens, 16, round); // warm-up, like llama-batched-bench's
            foreach (var p in parallel)
            {
                ours[p].Add(await Generate(llama, p, promptTokens, genTokens, round));
            }

            sw.Restart();
            llama.Dispose();
            unloads.Add(sw.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine();
        Console.WriteLine($"threads {threads}, prompt {promptTokens} tokens, {genTokens} generated tokens per sequence, context {contextPerSeq}/sequence, {rounds} alternating rounds (median)");
        Console.WriteLine("| sequences | llama-batched-bench tok/s | ExpertRouter tok/s | ratio ours/theirs |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (var p in parallel)
        {
            var t = Median(theirs[p]);
            var o = Median(ours[p]);
            Console.WriteLine($"| {p} | {t:F1} | {o:F1} | {o / t:F3} |");
        }

        var scale = Median(ours[parallel.Max()]) / Median(ours[1]);
        var scaleTheirs = Median(theirs[parallel.Max()]) / Median(theirs[1]);
        Console.WriteLine();
        Console.WriteLine($"8-sequence aggregate / 1-sequence rate: ours {scale:F2}x, llama-batched-bench {scaleTheirs:F2}x");
        Console.WriteLine($"model load {Median(loads):F0} ms, context create {Median(contexts):F0} ms, unload {Median(unloads):F1} ms (median)");
        Console.WriteLine("raw tok/s: " + string.Join("; ", parallel.Select(p =>
            $"B={p} theirs [{string.Join(", ", theirs[p].Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}] ours [{string.Join(", ", ours[p].Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}]")));
        var ok1 = Median(ours[1]) / Median(theirs[1]) >= 0.95;
        var ok8 = Median(ours[8]) / Median(theirs[8]) >= 0.95;
        Console.WriteLine($"targets: ratio >= 0.95 at 1 sequence: {(ok1 ? "met" : "NOT met")}; at 8: {(ok8 ? "met" : "NOT met")}; 8-seq >= 1.8x 1-seq: {(scale >= 1.8 ? "met" : "NOT met")}");
        return 0;
    }

    /// <summary>Generates <paramref name="count"/> sequences at once; returns decode tokens/s after all prompts are in.</summary>
    private static async Task<double> Generate(LlamaModel model, int count, int promptTokens, int genTokens, int seed)
    {
        var rng = new Random(seed * 100 + count);
        var firstAt = new long[count];
        var tokensAfter = new int[count];
        var readers = Enumerable.Range(0, count).Select(_ => model.StartGeneration(new GenerationRequest
        {
            Prompt = Enumerable.Range(0, promptTokens).Select(_ => new LlamaToken(rng.Next(300, model.Vocabulary.Count))).ToArray(),
            MaxTokens = genTokens,
            Sampling = SamplingOptions.Greedy,
            StopAtEndOfGeneration = false,
        })).ToArray();
        var stamps = new List<long>[count];
        await Task.WhenAll(readers.Select(async (r, i) =>
        {
            stamps[i] = [];
            await foreach (var u in r.ReadAllAsync())
            {
                if (u.Token is not null)
                {
                    stamps[i].Add(Stopwatch.GetTimestamp());
                }
            }
        }));

        var start = stamps.Max(s => s[0]);
        var end = stamps.Max(s => s[^1]);
        var tokens = stamps.Sum(s => s.Count(t => t > start));
        return tokens / Stopwatch.GetElapsedTime(start, end).TotalSeconds;
    }

    private static async Task<string> EnsureBenchModelAsync()
    {
        var dir = Path.Combine(NativeLibraryProvisioner.DefaultCacheRoot, "bench-models");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "bench-200m-q8_0.gguf");
        if (!File.Exists(path))
        {
            Console.WriteLine($"generating {path} ...");
            var tmp = path + ".tmp";
            await Task.Run(() => TestModelGenerator.Generate(TestModelSpec.Bench200M with { FileType = GgmlType.Q8_0, Seed = 1 }, tmp));
            File.Move(tmp, path, overwrite: true);
        }

        return path;
    }

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count == 0 ? double.NaN : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        StringArg(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
