using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ExpertRouter.Bench;

/// <summary>
/// Command-line router evaluation against a running service:
/// <c>bench/run.sh evaluate --url http://127.0.0.1:8080 (--set vs-... | --file set.jsonl) [--routers moe/symbolic,moe/retriever] [--limit 50]</c>.
/// Prints the side-by-side table of <c>POST /api/routers/evaluate</c>.
/// </summary>
internal static class EvaluateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = (Args.String(args, "--url") ?? "http://127.0.0.1:8080").TrimEnd('/');
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromHours(2) };
        var set = Args.String(args, "--set");
        if (set is null && Args.String(args, "--file") is { } file)
        {
            using var content = new StringContent(await File.ReadAllTextAsync(file), Encoding.UTF8, "application/x-ndjson");
            using var imported = await http.PostAsync($"/api/validation-sets?name={Uri.EscapeDataString(Path.GetFileNameWithoutExtension(file))}", content);
            var body = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement;
            if (!imported.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"import failed: {(int)imported.StatusCode} {body}");
                return 1;
            }

            set = body.GetProperty("set").GetProperty("id").GetString();
            Console.WriteLine($"imported {file} as {set} ({body.GetProperty("items").GetInt32()} items, {body.GetProperty("errors").GetArrayLength()} bad lines)");
        }

        if (set is null)
        {
            Console.Error.WriteLine("usage: bench/run.sh evaluate --url URL (--set ID | --file set.jsonl) [--routers a,b] [--limit N]");
            return 2;
        }

        var routers = Args.String(args, "--routers")?.Split(',', StringSplitOptions.RemoveEmptyEntries);
        using var response = await http.PostAsJsonAsync("/api/routers/evaluate", new { validationSetId = set, routers, limit = Args.Int(args, "--limit", 50) });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"{(int)response.StatusCode}: {text}");
            return 1;
        }

        Console.WriteLine("| router | items | accuracy | expert calls/query | model loads | routing p50 ms | routing p99 ms | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in JsonDocument.Parse(text).RootElement.EnumerateArray())
        {
            string F(string name, string format) => row.GetProperty(name).GetDouble().ToString(format, CultureInfo.InvariantCulture);
            Console.WriteLine($"| {row.GetProperty("router").GetString()} | {row.GetProperty("items").GetInt32()} | {F("accuracy", "P1")} | {F("expertCallsPerQuery", "F2")} | {row.GetProperty("modelLoads").GetInt64()} | {F("routingLatencyP50Ms", "F2")} | {F("routingLatencyP99Ms", "F2")} | {row.GetProperty("failures").GetInt32()} |");
        }

        return 0;
    }
}
