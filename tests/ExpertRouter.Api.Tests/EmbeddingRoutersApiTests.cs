using System.Text.Json;
using OpenAI.Chat;

namespace ExpertRouter.Api.Tests;

/// <summary>moe/retriever, moe/glider and moe/memory end to end on generated GGUF experts; feedback and router evaluation.</summary>
public sealed class EmbeddingRoutersApiTests
{
    [Fact]
    public async Task EmbeddingRouters_Answer_Explain_TakeFeedback_AndCompareInEvaluation()
    {
        await using var host = await ServiceHost.StartAsync();
        var jsonl = string.Join("\n", Enumerable.Range(0, 12).Select(i => JsonSerializer.Serialize(new
        {
            question = $"Question {i} about {(i % 2 == 0 ? "polynomial equations" : "heart valves")}?",
            choices = new[] { "a", "b", "c", "d" },
            answer = "ABCD"[i % 4].ToString(),
            skills = new[] { i % 2 == 0 ? "algebra" : "cardiology" },
        })));
        var setId = (await ProfilingTestData.ImportAsync(host.Http, jsonl, "routers")).GetProperty("set").GetProperty("id").GetString();
        var (_, run) = await host.PostJsonAsync("/api/profiling-runs", new { validationSetId = setId, settings = new { maxAnswerTokens = 4, keywordModel = "demo-general", aggregatorBenchmarkItems = 2 } });
        var state = await ProfilingTestData.WaitForRunAsync(host.Http, run.GetProperty("id").GetString()!);
        Assert.True(state.GetProperty("status").GetString() == "completed", state.ToString());

        var models = (await host.OpenAi.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();
        Assert.Contains("moe/retriever", models);
        Assert.Contains("moe/glider", models);
        Assert.Contains("moe/memory", models);

        foreach (var router in new[] { "moe/glider", "moe/memory" })
        {
            var completion = await host.OpenAi.GetChatClient(router).CompleteChatAsync([new UserChatMessage("Solve the polynomial equation.")], new ChatCompletionOptions { MaxOutputTokenCount = 6 });
            var raw = completion.GetRawResponse();
            Assert.True(raw.Headers.TryGetValue("X-ExpertRouter-Routing", out var header), router + ": no routing header");
            var routing = JsonDocument.Parse(raw.Content.ToString()).RootElement.GetProperty("expert_router").GetProperty("routing");
            Assert.True(routing.GetProperty("selected").GetArrayLength() >= 1, routing.ToString());
            Assert.Equal(completion.Value.Id, routing.GetProperty("responseId").GetString());

            var (status, feedback) = await host.PostJsonAsync("/api/feedback", new { responseId = completion.Value.Id, rating = "good" });
            Assert.True(status == 200, feedback.ToString());
        }

        // Random-weight demo models may never win a validation query alone, so the retriever may have no pilots: a clear 409, or an answer.
        var (retrieverStatus, retrieverBody) = await host.PostJsonAsync("/api/route", new { model = "moe/retriever", messages = new[] { new { role = "user", content = "heart valves" } } });
        Assert.True(retrieverStatus is 200 or 409, retrieverBody.ToString());

        var glider = await host.PostJsonAsync("/api/route", new { model = "moe/glider", messages = new[] { new { role = "user", content = "heart valves" } } });
        Assert.Equal(200, glider.Status);
        Assert.False(string.IsNullOrEmpty(glider.Body.GetProperty("embedder").GetString()));
        Assert.Equal(3, glider.Body.GetProperty("scores").GetArrayLength());

        var (unknownStatus, unknown) = await host.PostJsonAsync("/api/feedback", new { responseId = "chatcmpl-never", rating = "bad" });
        Assert.Equal(404, unknownStatus);
        Assert.Contains("chatcmpl-never", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (badRating, _) = await host.PostJsonAsync("/api/feedback", new { responseId = "x", rating = "meh" });
        Assert.Equal(400, badRating);

        var (evalStatus, rows) = await host.PostJsonAsync("/api/routers/evaluate", new { validationSetId = setId, routers = new[] { "moe/symbolic", "moe/glider", "moe/memory" }, limit = 4, maxTokens = 8 });
        Assert.True(evalStatus == 200, rows.ToString());
        Assert.Equal(3, rows.GetArrayLength());
        foreach (var row in rows.EnumerateArray())
        {
            Assert.Equal(4, row.GetProperty("items").GetInt32());
            Assert.True(row.GetProperty("expertCallsPerQuery").GetDouble() >= 1, row.ToString());
            Assert.True(row.GetProperty("routingLatencyP50Ms").GetDouble() > 0);
        }

        var routingInfo = await host.GetJsonAsync("/api/routing");
        Assert.StartsWith("embedded", routingInfo.GetProperty("vectorStore").GetString(), StringComparison.Ordinal);
    }
}
