using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ExpertRouter.LlamaCpp;
using ExpertRouter.LlamaCpp.Generation;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.Bench;

/// <summary>
/// Our engine vs llama.cpp's llama-batched-bench on the same model with the same settings, in
/// alternating rounds of fresh processes: 16-token prompts, 128 generated tokens, 1 and 8
/// sequences. Both are measured on the same llama.cpp binaries, twice:
/// (a) the npm prebuilt libraries ExpertRouter ships (llama-batched-bench is pointed at them with
///     LD_LIBRARY_PATH, so it runs the very same CPU variant and thread pool), and
/// (b) llama.cpp's default cmake build of the same source (-march=native, OpenMP), which our engine
///     loads through the LibraryDirectory setting.
/// Generation speed is measured the same way on both sides: tokens decoded after every sequence has
/// its prompt processed, divided by the time that took.
/// </summary>
internal static class EngineBenchmark
{
    private static readonly int[] Parallel = [1, 8];
    private const int ContextPerSequence = 256;

    public static async Task<int> RunAsync(string[] args)
    {
        var threads = Args.Int(args, "--threads", Environment.ProcessorCount);
        var genTokens = Args.Int(args, "--tokens", 128);
        var promptTokens = Args.Int(args, "--prompt", 16);
        var rounds = Args.Int(args, "--rounds", 3);
        var flash = FlashAttentionArg(args);

        var provisioner = new NativeLibraryProvisioner(NativeLibraryProvisioner.DefaultCacheRoot, Console.WriteLine);
        var npmDir = await provisioner.EnsureBinariesAsync(LlamaBackendKind.Cpu);
        var modelPath = Args.String(args, "--model") ?? await EnsureBenchModelAsync();
        var model = GgufModelInfo.Read(modelPath);
        Console.WriteLine($"model: {modelPath} ({model.ParameterCount / 1e6:F1}M parameters, {model.Quantization}, {new FileInfo(modelPath).Length / 1e6:F0} MB)");
        Console.WriteLine($"flash attention: {flash.ToString().ToLowerInvariant()} on both sides (--flash-attn off|on|auto)");
        var batchedBench = await LlamaTools.EnsureAsync("llama-batched-bench");
        var nativeDir = Path.GetDirectoryName(batchedBench)!;
        var shim = BuildShim(npmDir);

        var configs = new[]
        {
            (Name: "npm prebuilt (shipped)", Ours: npmDir, TheirsLd: shim),
            (Name: "cmake native build", Ours: nativeDir, TheirsLd: (string?)null),
        };
        var results = configs.ToDictionary(c => c.Name, _ => new Samples());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var c in configs)
            {
                Console.WriteLine($"round {round}/{rounds}, {c.Name}: llama-batched-bench, then ExpertRouter");
                var theirs = await RunTheirsAsync(batchedBench, c.TheirsLd, modelPath, threads, promptTokens, genTokens, flash);
                var ours = await RunOursAsync(c.Ours, modelPath, threads, promptTokens, genTokens, flash);
                var s = results[c.Name];
                foreach (var p in Parallel)
                {
                    s.Theirs[p].Add(theirs[p]);
                    s.Ours[p].Add(ours.GetProperty("tg").GetProperty(p.ToString(CultureInfo.InvariantCulture)).GetDouble());
                }

                s.Load.Add(ours.GetProperty("load_ms").GetDouble());
                s.Context.Add(ours.GetProperty("context_ms").GetDouble());
                s.Unload.Add(ours.GetProperty("unload_ms").GetDouble());
                s.Backend = ours.GetProperty("backend").GetString() ?? "";
            }
        }

        Console.WriteLine();
        Console.WriteLine($"threads {threads}, prompt {promptTokens} tokens, {genTokens} generated tokens per sequence, context {ContextPerSequence}/sequence, greedy, {rounds} alternating rounds (median)");
        var allMet = true;
        foreach (var c in configs)
        {
            var s = results[c.Name];
            Console.WriteLine();
            Console.WriteLine($"### {c.Name}: {s.Backend}");
            Console.WriteLine("| sequences | llama-batched-bench tok/s | ExpertRouter tok/s | ratio ours/theirs |");
            Console.WriteLine("|---:|---:|---:|---:|");
            foreach (var p in Parallel)
            {
                Console.WriteLine($"| {p} | {Median(s.Theirs[p]):F1} | {Median(s.Ours[p]):F1} | {Median(s.Ours[p]) / Median(s.Theirs[p]):F3} |");
            }

            var scale = Median(s.Ours[8]) / Median(s.Ours[1]);
            Console.WriteLine($"8-sequence aggregate / 1-sequence: ours {scale:F2}x, llama-batched-bench {Median(s.Theirs[8]) / Median(s.Theirs[1]):F2}x");
            Console.WriteLine($"ExpertRouter model load {Median(s.Load):F0} ms, context create {Median(s.Context):F0} ms, unload {Median(s.Unload):F1} ms");
            Console.WriteLine("raw tok/s: " + string.Join("; ", Parallel.Select(p => $"B={p} theirs [{Join(s.Theirs[p])}] ours [{Join(s.Ours[p])}]")));
            var r1 = Median(s.Ours[1]) / Median(s.Theirs[1]);
            var r8 = Median(s.Ours[8]) / Median(s.Theirs[8]);
            var met = r1 >= 0.95 && r8 >= 0.95 && scale >= 1.8;
            var isShipped = c.Name == configs[0].Name;
            allMet &= met || !isShipped;
            Console.WriteLine($"targets (ratio >= 0.95 at 1 and 8 sequences, 8-seq >= 1.8x 1-seq): {(met ? "met" : "NOT met")}{(isShipped ? "" : " (informational: the libraries ExpertRouter ships are the npm ones)")}");
        }

        var shipped = results[configs[0].Name];
        var native = results[configs[1].Name];
        Console.WriteLine();
        Console.WriteLine($"for information: ExpertRouter on npm prebuilt vs llama-batched-bench on the native build: " +
            $"{Median(shipped.Ours[1]) / Median(native.Theirs[1]):F3} (1 seq), {Median(shipped.Ours[8]) / Median(native.Theirs[8]):F3} (8 seq)");
        return allMet ? 0 : 1;
    }

    /// <summary>One round of our engine in this (fresh) process; prints one JSON line.</summary>
    public static async Task<int> WorkerAsync(string[] args)
    {
        var threads = Args.Int(args, "--threads", Environment.ProcessorCount);
        var genTokens = Args.Int(args, "--tokens", 128);
        var promptTokens = Args.Int(args, "--prompt", 16);
        var info = await LlamaRuntime.InitializeAsync(new LlamaEngineOptions { LibraryDirectory = Args.String(args, "--library-dir") });
        var modelPath = Args.String(args, "--model")!;
        var llama = await LlamaModel.LoadAsync(modelPath, new LlamaModelOptions
        {
            ContextSize = ContextPerSequence,
            MaxSequences = Parallel.Max(),
            BatchSize = 512,
            Threads = threads,
            FlashAttention = FlashAttentionArg(args),
        });

        // Warm-up: llama-batched-bench decodes 16 tokens first. A .NET process also needs its JIT to
        // finish tiering up (background recompilation competes for the 2 cores for a second or two):
        // measure the steady state a long-running service has.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(3))
        {
            await GenerateAsync(llama, 8, promptTokens, 32, 0);
            await GenerateAsync(llama, 1, promptTokens, 32, 0);
        }
        var tg = new Dictionary<string, double>();
        var overhead = new Dictionary<string, double>();
        foreach (var p in Parallel)
        {
            var before = llama.Stats;
            tg[p.ToString(CultureInfo.InvariantCulture)] = await GenerateAsync(llama, p, promptTokens, genTokens, 1);
            var after = llama.Stats;
            overhead[p.ToString(CultureInfo.InvariantCulture)] = (after.SamplingTime - before.SamplingTime) / (after.DecodeTime - before.DecodeTime);
            overhead["decode_only_" + p.ToString(CultureInfo.InvariantCulture)] = (after.GeneratedTokens - before.GeneratedTokens - p) / (after.DecodeTime - before.DecodeTime).TotalSeconds;
        }

        var sw = Stopwatch.StartNew();
        llama.Dispose();
        var unload = sw.Elapsed.TotalMilliseconds;
        var backends = string.Join(", ", info.LoadedBackends.Select(Path.GetFileName));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            backend = $"llama.cpp {info.Version}, {(backends.Length > 0 ? backends : "CPU backend linked in")}{(info.UsesOpenMp ? ", OpenMP" : ", ggml thread pool")}",
            load_ms = llama.LoadTime.TotalMilliseconds,
            context_ms = llama.ContextCreateTime.TotalMilliseconds,
            unload_ms = unload,
            tg,
            overhead,
        }));
        return 0;
    }

    /// <summary><c>--flash-attn off|on|auto</c> (default off, as the service): both sides run with the same setting.</summary>
    private static FlashAttention FlashAttentionArg(string[] args) =>
        Enum.Parse<FlashAttention>(Args.String(args, "--flash-attn") ?? "off", ignoreCase: true);

    private static async Task<JsonElement> RunOursAsync(string libraryDir, string model, int threads, int prompt, int tokens, FlashAttention flash)
    {
        var self = Environment.ProcessPath!;
        var selfArgs = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            selfArgs.Add(typeof(EngineBenchmark).Assembly.Location);
        }

        selfArgs.AddRange(["engine-worker", "--library-dir", libraryDir, "--model", model, "--threads", I(threads), "--prompt", I(prompt), "--tokens", I(tokens), "--flash-attn", flash.ToString()]);
        var output = await LlamaTools.RunAsync(self, selfArgs, echo: false);
        var line = output.Split('\n').Last(l => l.StartsWith('{'));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static async Task<Dictionary<int, double>> RunTheirsAsync(string exe, string? libraryDir, string model, int threads, int prompt, int tokens, FlashAttention flash)
    {
        var output = await LlamaTools.RunAsync(exe, ["-fa", flash.ToString().ToLowerInvariant(), "-m", model, "-c", I(ContextPerSequence * Parallel.Max()), "-b", "512", "-ub", "512",
            "-npp", I(prompt), "-ntg", I(tokens), "-npl", string.Join(',', Parallel), "-t", I(threads), "-tb", I(threads), "--output-format", "jsonl"],
            echo: false, libraryDir);
        var result = new Dictionary<int, double>();
        foreach (var line in output.Split('\n').Where(l => l.StartsWith('{')))
        {
            using var doc = JsonDocument.Parse(line);
            result[doc.RootElement.GetProperty("pl").GetInt32()] = doc.RootElement.GetProperty("speed_tg").GetDouble();
        }

        return result;
    }

    /// <summary>
    /// A folder that makes llama-batched-bench run on the npm binaries: their files plus the sonames
    /// the tool was linked against. The tool runs with this folder as LD_LIBRARY_PATH and working
    /// directory (where ggml looks for its CPU variant plugins).
    /// </summary>
    private static string BuildShim(string npmDir)
    {
        var shim = Path.Combine(NativeLibraryProvisioner.DefaultCacheRoot, "tools", "npm-shim-" + NativeLibraryProvisioner.NodeLlamaCppVersion);
        Directory.CreateDirectory(shim);
        void Link(string name, string target)
        {
            var path = Path.Combine(shim, name);
            if (File.Exists(path) || Directory.Exists(path))
            {
                File.Delete(path);
            }

            File.CreateSymbolicLink(path, Path.Combine(npmDir, target));
        }

        foreach (var file in Directory.GetFiles(npmDir, "*.so"))
        {
            Link(Path.GetFileName(file), Path.GetFileName(file));
        }

        Link("libllama.so.0", "libllama.v0.5.0.so");
        Link("libggml.so.0", "libggml.v0.5.0.so");
        Link("libggml-base.so.0", "libggml-base.so");
        Link("libllama-common.so.0", "libllama-common.so");
        return shim;
    }

    /// <summary>Generates <paramref name="count"/> sequences at once; returns decode tokens/s after all prompts are in.</summary>
    private static async Task<double> GenerateAsync(LlamaModel model, int count, int promptTokens, int genTokens, int seed)
    {
        var rng = new Random(seed * 100 + count);
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
        var spec = TestModelSpec.Bench200M with { FileType = GgmlType.Q8_0, Seed = 1 };
        Console.WriteLine($"bench model: {spec.ParameterCount / 1e6:F1}M parameters, Q8_0 (generated once into {dir})");
        return await Task.Run(() => TestModelGenerator.EnsureGenerated(spec, dir));
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Join(List<double> v) => string.Join(", ", v.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)));

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count == 0 ? double.NaN : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private sealed class Samples
    {
        public Dictionary<int, List<double>> Theirs { get; } = Parallel.ToDictionary(p => p, _ => new List<double>());

        public Dictionary<int, List<double>> Ours { get; } = Parallel.ToDictionary(p => p, _ => new List<double>());

        public List<double> Load { get; } = [];

        public List<double> Context { get; } = [];

        public List<double> Unload { get; } = [];

        public string Backend { get; set; } = "";
    }
}
