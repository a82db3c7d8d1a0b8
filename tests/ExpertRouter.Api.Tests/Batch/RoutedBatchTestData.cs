using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>
/// Routed (Symbolic-MoE) batch lines and the checks the resume tests share, over plain HTTP so they also work against a
/// child process: a profile from a real profiling run on the demo experts, routed lines with every aggregation strategy,
/// and the comparison of a batch line with the same request made online.
/// </summary>
internal static class RoutedBatchTestData
{
    private static readonly string[] Aggregations = ["synthesis", "certainty", "vote", "auto"];

    /// <summary>A routed request: 3 recruited instances, greedy, a fixed routing seed, each aggregation strategy in turn.</summary>
    public static object Body(int i, int maxTokens) => new
    {
        model = "moe/symbolic",
        messages = new[] { new { role = "user", content = $"Explain topic {i % 3}, case {i}." } },
        max_tokens = maxTokens,
        temperature = 0,
        ignore_eos = true,
        k = 3,
        routing_seed = 40 + i,
        aggregation = Aggregations[i % Aggregations.Length],
    };

    public static string Lines(int count, int maxTokens) => string.Join("\n", Enumerable.Range(0, count)
        .Select(i => JsonSerializer.Serialize(new { custom_id = $"r-{i}", method = "POST", url = "/v1/chat/completions", body = Body(i, maxTokens) })));

    /// <summary>Imports a small validation set (with skills) and profiles the demo experts on it; fails the test unless the run completes.</summary>
    public static async Task ProfileAsync(HttpClient http, string profileId)
    {
        var set = await ProfilingTestData.ImportAsync(http, ProfilingTestData.Jsonl(9), profileId);
        using var started = await http.PostAsJsonAsync("/api/profiling-runs", new
        {
            validationSetId = set.GetProperty("set").GetProperty("id").GetString(),
            profileId,
            settings = new { maxAnswerTokens = 4, keywordModel = KeywordModel, aggregatorBenchmarkItems = 2 },
        });
        var run = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement;
        Assert.True(started.IsSuccessStatusCode, run.ToString());
        var state = await ProfilingTestData.WaitForRunAsync(http, run.GetProperty("id").GetString()!);
        Assert.True(state.GetProperty("status").GetString() == "completed", state.ToString());
    }

    /// <summary>The keyword model of the profiles made here: routing needs it, so it is the expert a stalled service keeps.</summary>
    public const string KeywordModel = "demo-general";

    /// <summary>
    /// Pins <see cref="KeywordModel"/> (loaded at start-up, never evicted) and returns the memory budget that holds it but no
    /// second demo expert. A service started on that budget routes, runs every call of that expert, then waits for memory
    /// before the next expert: the batch stalls in its experts phase at a known point, however fast the machine.
    /// </summary>
    public static async Task<long> PinKeywordModelAndStallingBudgetAsync(HttpClient http)
    {
        var expert = await BatchTestData.GetAsync(http, "/api/experts/" + KeywordModel);
        using var pinned = await http.PutAsJsonAsync("/api/experts/" + KeywordModel, new
        {
            id = KeywordModel,
            kind = "gguf",
            displayName = expert.GetProperty("displayName").GetString(),
            path = expert.GetProperty("path").GetString(),
            contextSize = expert.GetProperty("contextSize").GetInt32(),
            description = expert.GetProperty("description").GetString(),
            tags = expert.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToArray(),
            pinned = true,
        });
        Assert.True(pinned.IsSuccessStatusCode, await pinned.Content.ReadAsStringAsync());
        var estimates = new List<long>();
        foreach (var id in BatchTestData.Experts)
        {
            estimates.Add((await BatchTestData.GetAsync(http, "/api/experts/" + id)).GetProperty("metadata").GetProperty("estimatedMemoryBytes").GetInt64());
        }

        var keyword = estimates[Array.IndexOf(BatchTestData.Experts, KeywordModel)];
        return keyword + (estimates.Min() / 2);
    }

    /// <summary>
    /// The batch stalls as <see cref="PinKeywordModelAndStallingBudgetAsync"/> arranges: every call of the keyword model
    /// ended (and stored), another expert waiting for memory, nothing else answered.
    /// </summary>
    public static bool Stalled(JsonElement batch)
    {
        if (batch.GetProperty("expert_router").GetProperty("progress") is not { ValueKind: JsonValueKind.Object } p || p.GetProperty("phase").GetString() != "experts")
        {
            return false;
        }

        var groups = LocalGroups(p).ToList();
        return groups.Any(g => g.GetProperty("name").GetString() == KeywordModel && g.GetProperty("state").GetString() == "done")
            && groups.Any(g => g.GetProperty("state").GetString() == "loading");
    }

    /// <summary>Expert calls the keyword model's group ran (all stored when the batch stalled).</summary>
    public static int KeywordModelCalls(JsonElement progress) =>
        LocalGroups(progress).Where(g => g.GetProperty("name").GetString() == KeywordModel).Sum(g => g.GetProperty("done").GetInt32());

    /// <summary>Expert calls (of routed lines) ended so far in a batch's progress.</summary>
    public static int CallsDone(JsonElement progress) => LocalGroups(progress).Sum(g => g.GetProperty("done").GetInt32());

    /// <summary>Expert calls that this execution of the batch had to run (answers it did not find stored).</summary>
    public static int CallsRun(JsonElement progress) => LocalGroups(progress).Sum(g => g.GetProperty("routedCalls").GetInt32());

    /// <summary>Recruited instances over the output lines.</summary>
    public static int Selected(IEnumerable<JsonElement> output) =>
        output.Sum(l => l.GetProperty("response").GetProperty("body").GetProperty("expert_router").GetProperty("routing").GetProperty("selected").GetArrayLength());

    /// <summary>
    /// The line equals the same request made online: the text, the recruited experts, the aggregation (strategy, each
    /// instance's extracted answer, self-certainty and tokens) and the usage.
    /// </summary>
    public static async Task AssertEqualsOnlineAsync(HttpClient http, JsonElement line, object body)
    {
        using var response = await http.PostAsJsonAsync("/v1/chat/completions", body);
        var online = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.IsSuccessStatusCode, online.ToString());
        var batchBody = line.GetProperty("response").GetProperty("body");
        Assert.Equal(online.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), BatchTestData.Content(line));
        var routing = batchBody.GetProperty("expert_router").GetProperty("routing");
        var onlineRouting = online.GetProperty("expert_router").GetProperty("routing");
        Assert.Equal(onlineRouting.GetProperty("selected").ToString(), routing.GetProperty("selected").ToString());
        Assert.Equal(onlineRouting.GetProperty("aggregation").ToString(), routing.GetProperty("aggregation").ToString());
        Assert.Equal(online.GetProperty("usage").ToString(), batchBody.GetProperty("usage").ToString());
    }

    private static IEnumerable<JsonElement> LocalGroups(JsonElement progress) =>
        progress.GetProperty("experts").EnumerateArray().Where(g => g.GetProperty("kind").GetString() == "gguf");
}
