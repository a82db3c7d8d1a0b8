using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Chat;

namespace ExpertRouter.Api.Tests;

/// <summary>Profiling and routed chat end to end on generated GGUF experts, through HTTP and the official OpenAI client.</summary>
public sealed class SymbolicMoeApiTests
{
    [Fact]
    public async Task ProfilingRun_CompletesWithProgress_ThenRoutedChatAnswersWithExplanation()
    {
        await using var host = await ServiceHost.StartAsync();
        var set = await ProfilingTestData.ImportAsync(host.Http, ProfilingTestData.Jsonl(12));
        var setId = set.GetProperty("set").GetProperty("id").GetString();
        var (status, run) = await host.PostJsonAsync("/api/profiling-runs", new
        {
            validationSetId = setId,
            profileId = "e2e",
            settings = new { maxAnswerTokens = 12, keywordModel = "demo-general", aggregatorBenchmarkItems = 4 },
        });
        Assert.True(status == 202, run.ToString());
        var done = await ProfilingTestData.WaitForRunAsync(host.Http, run.GetProperty("id").GetString()!);
        Assert.True(done.GetProperty("status").GetString() == "completed", done.ToString());
        var progress = done.GetProperty("progress");
        Assert.Equal(1.0, progress.GetProperty("fraction").GetDouble());
        foreach (var expert in new[] { "demo-general", "demo-math", "demo-medicine" })
        {
            Assert.Equal(12, progress.GetProperty("answered").GetProperty(expert).GetInt32());
        }

        // Each expert was loaded once for all its items (they were batched).
        var math = await host.GetJsonAsync("/api/experts/demo-math");
        Assert.Equal(1, math.GetProperty("runtime").GetProperty("loads").GetInt32());

        var profile = await host.GetJsonAsync("/api/profiles/e2e");
        Assert.Equal(1, profile.GetProperty("version").GetInt32());
        Assert.Equal(3, profile.GetProperty("experts").GetArrayLength());
        Assert.Contains("algebra", profile.GetProperty("experts")[0].GetProperty("keywordScores").EnumerateObject().Select(p => p.Name));

        var models = (await host.OpenAi.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();
        Assert.Contains("moe/symbolic", models);

        // A routed chat through the official client: an answer, the explanation header and field.
        var chat = host.OpenAi.GetChatClient("moe/symbolic");
        var completion = await chat.CompleteChatAsync([new UserChatMessage("Which option is right about topic 1?")], new ChatCompletionOptions { MaxOutputTokenCount = 12, Seed = 5 });
        var raw = completion.GetRawResponse();
        Assert.True(raw.Headers.TryGetValue("X-ExpertRouter-Routing", out var header), "no routing header");
        Assert.StartsWith("symbolic-moe; profile=e2e@1", header, StringComparison.Ordinal);
        var body = JsonDocument.Parse(raw.Content.ToString()).RootElement;
        var routing = body.GetProperty("expert_router").GetProperty("routing");
        Assert.Equal(3, routing.GetProperty("selected").GetArrayLength());
        Assert.Equal(3, routing.GetProperty("experts").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(routing.GetProperty("embedder").GetString()));
        Assert.True(routing.TryGetProperty("aggregation", out var aggregation) && aggregation.GetProperty("answers").GetArrayLength() == 3, routing.ToString());
        Assert.NotNull(completion.Value.Content);

        // Streaming: progress comments, text, the explanation in the last chunk, [DONE].
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "moe/symbolic", messages = new[] { new { role = "user", content = "topic 2?" } }, stream = true, max_tokens = 8, k = 2, aggregation = "vote" }),
        };
        using var streamed = await host.Http.SendAsync(request);
        var sse = await streamed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Contains(": ", sse, StringComparison.Ordinal);
        Assert.Contains("\"expert_router\"", sse, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);

        // Dry run: the decision without generating.
        var (routeStatus, decision) = await host.PostJsonAsync("/api/route", new { model = "moe/symbolic", messages = new[] { new { role = "user", content = "topic 0" } }, k = 5, with_replacement = false, routing_seed = 1 });
        Assert.True(routeStatus == 200, decision.ToString());
        Assert.Equal(3, decision.GetProperty("selected").GetArrayLength()); // without replacement: at most the 3 experts
        var routingInfo = await host.GetJsonAsync("/api/routing");
        Assert.Contains("lexical", routingInfo.GetProperty("embedder").GetString(), StringComparison.Ordinal);

        await RoutedBatch_RunsInPhases_AndEachLineEqualsTheSameRequestOnline(host);
    }

    /// <summary>
    /// Routed lines in a batch: routed first, the recruited instances' calls grouped by expert (with the direct lines of
    /// the same expert), the syntheses grouped by aggregator; each line answers what the same request online answers.
    /// </summary>
    private static async Task RoutedBatch_RunsInPhases_AndEachLineEqualsTheSameRequestOnline(ServiceHost host)
    {
        object Body(int i) => new
        {
            model = "moe/symbolic",
            messages = new[] { new { role = "user", content = $"Which option is right about topic {i % 3}? Case {i}." } },
            max_tokens = 8,
            temperature = 0,
            routing_seed = 20 + i,
            aggregation = i == 5 ? "vote" : "synthesis",
        };
        var lines = Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new { custom_id = $"routed-{i}", method = "POST", url = "/v1/chat/completions", body = Body(i) })).ToList();
        lines.Add(Batch.BatchTestData.ChatLine("direct", "demo-math", "Name a prime.", 6));
        var fileId = await Batch.BatchTestData.UploadAsync(host.Http, string.Join("\n", lines));
        var batchId = await Batch.BatchTestData.CreateBatchAsync(host.Http, fileId);
        var batch = await Batch.BatchTestData.WaitAsync(host.Http, batchId);
        Assert.True(batch.GetProperty("status").GetString() == "completed", batch.ToString());
        var output = await Batch.BatchTestData.DownloadLinesAsync(host.Http, Batch.BatchTestData.FileId(batch, "output_file_id"));
        Assert.Equal([.. Enumerable.Range(0, 6).Select(i => $"routed-{i}"), "direct"], output.Select(Batch.BatchTestData.CustomId));

        var syntheses = 0;
        for (var i = 0; i < 6; i++)
        {
            var (status, online) = await host.PostJsonAsync("/v1/chat/completions", Body(i));
            Assert.True(status == 200, online.ToString());
            var body = output[i].GetProperty("response").GetProperty("body");
            Assert.Equal(online.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), Batch.BatchTestData.Content(output[i]));
            var routing = body.GetProperty("expert_router").GetProperty("routing");
            var onlineRouting = online.GetProperty("expert_router").GetProperty("routing");
            Assert.Equal(onlineRouting.GetProperty("selected").ToString(), routing.GetProperty("selected").ToString());
            var strategy = routing.GetProperty("aggregation").GetProperty("strategy").GetString();
            Assert.Equal(onlineRouting.GetProperty("aggregation").GetProperty("strategy").GetString(), strategy);
            Assert.Equal(online.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
            syntheses += strategy == "synthesis" ? 1 : 0;
        }

        Assert.True(syntheses >= 1, "no line needed a synthesis");

        // The phases, each expert once for all its calls, the syntheses in one group per aggregator.
        var progress = (await host.GetJsonAsync("/api/jobs/" + batchId)).GetProperty("job").GetProperty("progress");
        Assert.Equal(["preparing", "routing", "experts", "aggregation", "finalizing", "done"], progress.GetProperty("phases").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var groups = progress.GetProperty("experts").EnumerateArray().ToList();
        var experts = groups.Where(g => g.GetProperty("kind").GetString() == "gguf").ToList();
        Assert.Equal(experts.Count, experts.Select(g => g.GetProperty("name").GetString()).Distinct().Count());
        Assert.Equal(Batch.RoutedBatchTestData.Selected(output.Take(6)), Batch.RoutedBatchTestData.CallsRun(progress));
        Assert.All(experts, g => Assert.Equal(g.GetProperty("lines").GetInt32(), g.GetProperty("done").GetInt32()));
        var aggregators = groups.Where(g => g.GetProperty("kind").GetString() == "aggregator").ToList();
        Assert.Equal(syntheses, aggregators.Sum(g => g.GetProperty("done").GetInt32()));
        Assert.Equal(aggregators.Count, aggregators.Select(g => g.GetProperty("name").GetString()).Distinct().Count());
        var router = Assert.Single(groups, g => g.GetProperty("kind").GetString() == "router");
        Assert.Equal(6, router.GetProperty("done").GetInt32());

        // A routed batch cancelled while its experts answer ends cancelled; the service goes on answering.
        var longLines = Enumerable.Range(0, 8).Select(i => JsonSerializer.Serialize(new
        {
            custom_id = $"long-{i}",
            method = "POST",
            url = "/v1/chat/completions",
            body = new { model = "moe/symbolic", messages = new[] { new { role = "user", content = $"Topic {i}, at length." } }, max_tokens = 900, temperature = 0, ignore_eos = true, routing_seed = i },
        }));
        var longBatch = await Batch.BatchTestData.CreateBatchAsync(host.Http, await Batch.BatchTestData.UploadAsync(host.Http, string.Join("\n", longLines)));
        await Batch.BatchTestData.WaitAsync(host.Http, longBatch, b =>
            b.GetProperty("expert_router").GetProperty("progress") is { ValueKind: JsonValueKind.Object } p && p.GetProperty("phase").GetString() == "experts");
        using (var cancel = await host.Http.PostAsync($"/v1/batches/{longBatch}/cancel", null))
        {
            Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        }

        var cancelled = await Batch.BatchTestData.WaitAsync(host.Http, longBatch);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var (afterStatus, _) = await host.PostJsonAsync("/v1/chat/completions", Body(0));
        Assert.Equal(200, afterStatus);
    }

    /// <summary>
    /// A routed batch cancelled while its experts answer keeps the expert answers it has (job parts); retried, it computes
    /// only the missing calls, and every line still answers what the same request online answers. The batch is stopped at
    /// a known point, not by timing: a memory budget that holds only the (pinned) keyword model lets every call of that
    /// expert run, then the next expert waits for memory.
    /// </summary>
    [Fact]
    public async Task RoutedBatch_CancelledWhileExpertsAnswer_ThenRetried_ReusesTheStoredExpertAnswers()
    {
        using var data = new ExpertRouter.Testing.TempDirectory("er-resume");
        long budget;
        await using (var setup = await ServiceHost.StartAsync(dataDirectory: data.Path))
        {
            await Batch.RoutedBatchTestData.ProfileAsync(setup.Http, "resume");
            budget = await Batch.RoutedBatchTestData.PinKeywordModelAndStallingBudgetAsync(setup.Http);
        }

        const int Lines = 8, MaxTokens = 24;
        string batchId;
        int stored;
        await using (var stalled = await ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["ExpertRouter:MemoryBudget"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ExpertRouter:Batch:ProgressInterval"] = "00:00:00.050",
        }, data.Path))
        {
            batchId = await Batch.BatchTestData.CreateBatchAsync(stalled.Http, await Batch.BatchTestData.UploadAsync(stalled.Http, Batch.RoutedBatchTestData.Lines(Lines, MaxTokens)));
            var waiting = (await Batch.BatchTestData.WaitAsync(stalled.Http, batchId, Batch.RoutedBatchTestData.Stalled)).GetProperty("expert_router").GetProperty("progress");
            stored = Batch.RoutedBatchTestData.KeywordModelCalls(waiting);
            Assert.True(stored > 0, waiting.ToString());
            Assert.Equal(stored, Batch.RoutedBatchTestData.CallsDone(waiting)); // nothing else answered
            using (var cancel = await stalled.Http.PostAsync($"/v1/batches/{batchId}/cancel", null))
            {
                Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
            }

            var cancelled = await Batch.BatchTestData.WaitAsync(stalled.Http, batchId);
            Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
            Assert.Equal(0, cancelled.GetProperty("request_counts").GetProperty("completed").GetInt32()); // routed lines end after aggregation
            var items = (await stalled.GetJsonAsync($"/api/jobs/{batchId}/items")).EnumerateArray().ToList();
            Assert.Equal(stored, items.Sum(i => i.GetProperty("parts").GetInt32()));
        }

        // Retried on a service with room for every expert: the stored answers are reused, only the missing calls run;
        // finished lines drop their parts.
        await using var host = await ServiceHost.StartAsync(dataDirectory: data.Path);
        using (var retry = await host.Http.PostAsync($"/api/jobs/{batchId}/retry", null))
        {
            Assert.True(retry.IsSuccessStatusCode, await retry.Content.ReadAsStringAsync());
        }

        var batch = await Batch.BatchTestData.WaitAsync(host.Http, batchId);
        Assert.True(batch.GetProperty("status").GetString() == "completed", batch.ToString());
        var output = await Batch.BatchTestData.DownloadLinesAsync(host.Http, Batch.BatchTestData.FileId(batch, "output_file_id"));
        Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"r-{i}"), output.Select(Batch.BatchTestData.CustomId));
        var progress = (await host.GetJsonAsync("/api/jobs/" + batchId)).GetProperty("job").GetProperty("progress");
        Assert.Equal(stored, progress.GetProperty("resumedCalls").GetInt32());
        Assert.Equal(Batch.RoutedBatchTestData.Selected(output), stored + Batch.RoutedBatchTestData.CallsRun(progress));
        Assert.Equal(0, Batch.RoutedBatchTestData.KeywordModelCalls(progress)); // its answers were all stored
        Assert.All((await host.GetJsonAsync($"/api/jobs/{batchId}/items")).EnumerateArray(), i => Assert.Equal(0, i.GetProperty("parts").GetInt32()));

        // Each line, some of its answers from before the cancellation, equals the same request online.
        for (var i = 0; i < Lines; i++)
        {
            await Batch.RoutedBatchTestData.AssertEqualsOnlineAsync(host.Http, output[i], Batch.RoutedBatchTestData.Body(i, MaxTokens));
        }
    }

    [Fact]
    public async Task BadInput_ClearErrors_NothingHalfWritten()
    {
        await using var host = await ServiceHost.StartAsync();

        // Malformed lines are reported by line number; good lines are kept.
        var mixed = ProfilingTestData.Jsonl(2) + "\n{not json}\n{\"question\":\"no answer\"}\n" + ProfilingTestData.Jsonl(1);
        var imported = await ProfilingTestData.ImportAsync(host.Http, mixed);
        Assert.Equal(3, imported.GetProperty("items").GetInt32());
        var errors = imported.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ToList();
        Assert.Equal([3, 4], errors);

        // An empty set is refused and nothing is stored.
        var before = (await host.GetJsonAsync("/api/validation-sets")).GetArrayLength();
        var empty = await ProfilingTestData.ImportAsync(host.Http, "\n\n", expectedStatus: 422);
        Assert.Equal(0, empty.GetProperty("items").GetInt32());
        Assert.Equal(before, (await host.GetJsonAsync("/api/validation-sets")).GetArrayLength());

        // Runs on unknown sets or with bad settings are refused.
        var (s1, b1) = await host.PostJsonAsync("/api/profiling-runs", new { validationSetId = "vs-nope" });
        Assert.Equal(400, s1);
        Assert.Contains("does not exist", b1.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var setId = imported.GetProperty("set").GetProperty("id").GetString();
        var (s2, _) = await host.PostJsonAsync("/api/profiling-runs", new { validationSetId = setId, settings = new { keywordSamples = 0 } });
        Assert.Equal(400, s2);
        var (s3, b3) = await host.PostJsonAsync("/api/profiling-runs", new { validationSetId = setId, settings = new { experts = new[] { "ghost" } } });
        Assert.Equal(400, s3);
        Assert.Contains("ghost", b3.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // No profile yet: routed models answer 409 with a clear message.
        var (s4, b4) = await host.PostJsonAsync("/v1/chat/completions", new { model = "moe/symbolic", messages = new[] { new { role = "user", content = "hi" } } });
        Assert.Equal(409, s4);
        Assert.Equal("no_profile", b4.GetProperty("error").GetProperty("code").GetString());

        // A keyword model that returns garbage (random-weight models do): the run fails with a clear reason, no profile is written.
        var noSkills = await ProfilingTestData.ImportAsync(host.Http, ProfilingTestData.Jsonl(6, skills: false));
        var (s5, run) = await host.PostJsonAsync("/api/profiling-runs", new
        {
            validationSetId = noSkills.GetProperty("set").GetProperty("id").GetString(),
            profileId = "garbage",
            settings = new { maxAnswerTokens = 4, keywordModel = "demo-math" },
        });
        Assert.Equal(202, s5);
        var failed = await ProfilingTestData.WaitForRunAsync(host.Http, run.GetProperty("id").GetString()!);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("keyword model", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        using var noProfile = await host.Http.GetAsync("/api/profiles/garbage");
        Assert.Equal(HttpStatusCode.NotFound, noProfile.StatusCode);
    }

    [Fact]
    public async Task ExpertRemovedAfterProfiling_IsSkippedAndReported()
    {
        await using var host = await ServiceHost.StartAsync();
        var set = await ProfilingTestData.ImportAsync(host.Http, ProfilingTestData.Jsonl(6));
        var (_, run) = await host.PostJsonAsync("/api/profiling-runs", new
        {
            validationSetId = set.GetProperty("set").GetProperty("id").GetString(),
            settings = new { maxAnswerTokens = 4, keywordModel = "demo-general", aggregatorBenchmarkItems = 2 },
        });
        var done = await ProfilingTestData.WaitForRunAsync(host.Http, run.GetProperty("id").GetString()!);
        Assert.Equal("completed", done.GetProperty("status").GetString());

        using var delete = await host.Http.DeleteAsync("/api/experts/demo-medicine");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        var (status, decision) = await host.PostJsonAsync("/api/route", new { model = "moe/symbolic", messages = new[] { new { role = "user", content = "anything" } }, routing_seed = 3 });
        Assert.Equal(200, status);
        Assert.Equal(["demo-medicine"], decision.GetProperty("removedExperts").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("demo-medicine", decision.GetProperty("selected").EnumerateArray().Select(e => e.GetString()));
        var (chatStatus, _) = await host.PostJsonAsync("/v1/chat/completions", new { model = "moe/symbolic", messages = new[] { new { role = "user", content = "anything" } }, max_tokens = 4 });
        Assert.Equal(200, chatStatus);
    }

    [Fact]
    public async Task ValidationFiles_InTheDataDirectory_AreImportedOnce_AtStartUp()
    {
        var data = Directory.CreateTempSubdirectory("er-valfiles-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(data, "validation"));
            await File.WriteAllTextAsync(Path.Combine(data, "validation", "medqa-mini.jsonl"), ProfilingTestData.Jsonl(5) + "\n{broken\n");
            for (var start = 0; start < 2; start++)
            {
                await using var host = await ServiceHost.StartAsync(dataDirectory: data);
                var sets = (await host.GetJsonAsync("/api/validation-sets")).EnumerateArray().ToList();
                var set = Assert.Single(sets);
                Assert.Equal("medqa-mini", set.GetProperty("name").GetString());
                Assert.Equal(5, set.GetProperty("itemCount").GetInt32());
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
