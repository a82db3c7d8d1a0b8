using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ExpertRouter.Api;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Native;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ExpertRouter.Bench;

/// <summary>
/// (1) Gateway overhead: the same remote OpenAI-compatible expert (a stub answering at once) called
/// directly and through ExpertRouter, alternating, sequentially (latency p50/p99) and with 8
/// concurrent clients (requests/s). (2) 8 concurrent clients vs 1 on one local expert (~200M q8_0):
/// aggregate generated tokens/s through the HTTP API.
/// </summary>
internal static class GatewayBenchmark
{
    private const string CannedCompletion = """{"id":"chatcmpl-stub","object":"chat.completion","created":1,"model":"stub","choices":[{"index":0,"message":{"role":"assistant","content":"The answer is 42."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":6,"total_tokens":18}}""";

    public static async Task<int> RunAsync(string[] args)
    {
        var requests = Args.Int(args, "--requests", 2000);
        var tokens = Args.Int(args, "--tokens", 64);
        var data = Directory.CreateTempSubdirectory("er-bench-gw-").FullName;
        try
        {
            await using var stub = await StartStubAsync();
            var modelDir = Path.Combine(data, "models");
            Directory.CreateDirectory(modelDir);
            var benchModel = TestModelGenerator.EnsureGenerated(TestModelSpec.Bench200M with { FileType = GgmlType.Q8_0, Seed = 1 },
                Path.Combine(NativeLibraryProvisioner.DefaultCacheRoot, "bench-models"));
            var linked = Path.Combine(modelDir, "bench-200m.gguf");
            File.CreateSymbolicLink(linked, benchModel);
            // The link's target must also be inside a model directory.
            var gateway = ExpertRouterApp.Create(["--urls", "http://127.0.0.1:0"], b =>
            {
                b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["ExpertRouter:DataDirectory"] = data,
                    ["ExpertRouter:DemoExperts"] = "false",
                    ["ExpertRouter:ModelDirectories:0"] = Path.GetDirectoryName(benchModel),
                    ["Logging:LogLevel:Default"] = "Warning",
                });
                b.Logging.SetMinimumLevel(LogLevel.Warning);
            });
            await gateway.StartAsync();
            var gw = gateway.Urls.First();
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            await Post(http, gw + "/api/experts", new { id = "stub", kind = "openai", baseUrl = stub.Urls.First() + "/v1", model = "stub" });
            await Post(http, gw + "/api/experts", new { id = "bench-200m", kind = "gguf", path = linked, contextSize = 512, maxSequences = 8 });

            var body = JsonSerializer.Serialize(new { model = "stub", messages = new[] { new { role = "user", content = "What is six times seven?" } }, max_tokens = 16 });
            var direct = stub.Urls.First() + "/v1/chat/completions";
            var viaGateway = gw + "/v1/chat/completions";
            for (var i = 0; i < 300; i++)
            {
                await Send(http, direct, body);
                await Send(http, viaGateway, body);
            }

            var directLat = new List<double>(requests);
            var gatewayLat = new List<double>(requests);
            for (var i = 0; i < requests; i++)
            {
                directLat.Add(await Send(http, direct, body));
                gatewayLat.Add(await Send(http, viaGateway, body));
            }

            var directRps = await Throughput(http, direct, body, 8, requests);
            var gatewayRps = await Throughput(http, viaGateway, body, 8, requests);

            Console.WriteLine($"## Gateway overhead (remote expert = a stub answering immediately; {requests} sequential requests each way, alternating)");
            Console.WriteLine("| path | p50 ms | p99 ms | requests/s (8 concurrent clients) |");
            Console.WriteLine("|---|---:|---:|---:|");
            Console.WriteLine($"| direct to the remote | {P(directLat, 50):F3} | {P(directLat, 99):F3} | {directRps:F0} |");
            Console.WriteLine($"| through ExpertRouter | {P(gatewayLat, 50):F3} | {P(gatewayLat, 99):F3} | {gatewayRps:F0} |");
            var addedP50 = P(gatewayLat, 50) - P(directLat, 50);
            Console.WriteLine($"added latency: p50 {addedP50:F3} ms, p99 {P(gatewayLat, 99) - P(directLat, 99):F3} ms; target added p50 < 1 ms: {(addedP50 < 1 ? "met" : "NOT met")}");
            Console.WriteLine();

            // Local expert: 1 client vs 8 concurrent clients.
            await Post(http, gw + "/api/experts/bench-200m/load", new { });
            var gen = JsonSerializer.Serialize(new { model = "bench-200m", messages = new[] { new { role = "user", content = "Write a long essay about rivers and mountains." } }, max_tokens = tokens, temperature = 0 });
            await Tokens(http, viaGateway, gen, 1, 1); // warm-up
            var one = await Tokens(http, viaGateway, gen, 1, 4);
            var eight = await Tokens(http, viaGateway, gen, 8, 4);
            Console.WriteLine($"## One local expert (~200M q8_0, {tokens} tokens per request, temperature 0) through the HTTP API");
            Console.WriteLine("| clients | aggregate generated tokens/s |");
            Console.WriteLine("|---:|---:|");
            Console.WriteLine($"| 1 | {one:F1} |");
            Console.WriteLine($"| 8 | {eight:F1} |");
            Console.WriteLine($"8 clients / 1 client: {eight / one:F2}x; target >= 1.8x: {(eight / one >= 1.8 ? "met" : "NOT met")}");
            await gateway.StopAsync();
            return addedP50 < 1 && eight / one >= 1.8 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<WebApplication> StartStubAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var bytes = Encoding.UTF8.GetBytes(CannedCompletion);
        app.MapPost("/v1/chat/completions", async (HttpContext c) =>
        {
            using (var reader = new StreamReader(c.Request.Body))
            {
                await reader.ReadToEndAsync();
            }

            c.Response.ContentType = "application/json";
            await c.Response.Body.WriteAsync(bytes);
        });
        await app.StartAsync();
        return app;
    }

    private static async Task Post(HttpClient http, string url, object body)
    {
        using var r = await http.PostAsJsonAsync(url, body);
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{url}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<double> Send(HttpClient http, string url, string body)
    {
        var start = Stopwatch.GetTimestamp();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var r = await http.PostAsync(url, content);
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{url}: {(int)r.StatusCode} {text}");
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<double> Throughput(HttpClient http, string url, string body, int clients, int total)
    {
        var remaining = total;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                await Send(http, url, body);
            }
        }));
        return total / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="clients"/> concurrent clients, each making <paramref name="each"/> requests; returns generated tokens/s.</summary>
    private static async Task<double> Tokens(HttpClient http, string url, string body, int clients, int each)
    {
        long generated = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            for (var i = 0; i < each; i++)
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var r = await http.PostAsync(url, content);
                using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
                Interlocked.Add(ref generated, doc.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
            }
        }));
        return generated / sw.Elapsed.TotalSeconds;
    }

    private static double P(List<double> values, int percentile)
    {
        var s = values.Order().ToList();
        return s[Math.Min(s.Count - 1, (int)Math.Ceiling(percentile / 100.0 * s.Count) - 1)];
    }
}
