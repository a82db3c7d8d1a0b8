using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>Transient failures of a line (a remote expert answering 503) are retried with back-off; a remote that stays down fails only its own lines.</summary>
public sealed class BatchRetryTests
{
    [Fact]
    public async Task RemoteExpert503_IsRetriedPerLine_WithBackoff_AndAPermanentlyDownRemoteFailsOnlyItsLines()
    {
        await using var flaky = await StubRemote.StartAsync(failFirstCallPerPrompt: true);
        await using var down = await StubRemote.StartAsync(failFirstCallPerPrompt: false);
        await using var host = await ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["ExpertRouter:Remote:MaxRetries"] = "0", // the client gives up at once: the batch's own retries are what is tested
            ["ExpertRouter:Batch:RetryDelay"] = "00:00:00.050",
            ["ExpertRouter:Batch:MaxLineAttempts"] = "3",
        });
        Assert.Equal(201, (await host.PostJsonAsync("/api/experts", new { id = "flaky", kind = "openai", baseUrl = flaky.BaseUrl + "/v1", model = "stub" })).Status);
        Assert.Equal(201, (await host.PostJsonAsync("/api/experts", new { id = "down", kind = "openai", baseUrl = down.BaseUrl + "/v1", model = "stub" })).Status);

        var lines = Enumerable.Range(0, 4).Select(i => BatchTestData.ChatLine($"flaky-{i}", "flaky", $"prompt {i}", 8))
            .Append(BatchTestData.ChatLine("down-0", "down", "prompt x", 8))
            .Append(BatchTestData.ChatLine("local-0", "demo-general", "prompt y", 4));
        var fileId = await BatchTestData.UploadAsync(host.Http, string.Join("\n", lines));
        var batchId = await BatchTestData.CreateBatchAsync(host.Http, fileId);
        var batch = await BatchTestData.WaitAsync(host.Http, batchId);

        Assert.Equal("completed", batch.GetProperty("status").GetString());
        var output = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(batch, "output_file_id"));
        var errors = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(batch, "error_file_id"));
        Assert.Equal(["flaky-0", "flaky-1", "flaky-2", "flaky-3", "local-0"], output.Select(BatchTestData.CustomId));
        Assert.All(output.Take(4), l => Assert.Equal("The answer is 42.", BatchTestData.Content(l)));
        var failed = Assert.Single(errors);
        Assert.Equal("down-0", BatchTestData.CustomId(failed));
        Assert.Equal(503, failed.GetProperty("response").GetProperty("status_code").GetInt32());
        Assert.Equal("expert_unavailable", failed.GetProperty("response").GetProperty("body").GetProperty("error").GetProperty("code").GetString());

        Assert.Equal(8, flaky.Calls); // each flaky line: one 503, one success
        Assert.Equal(3, down.Calls);  // MaxLineAttempts
        var job = await host.GetJsonAsync("/api/jobs/" + batchId);
        var groups = job.GetProperty("job").GetProperty("progress").GetProperty("experts").EnumerateArray().ToDictionary(g => g.GetProperty("name").GetString()!);
        Assert.Equal(4, groups["flaky"].GetProperty("retries").GetInt32());
        Assert.Equal(2, groups["down"].GetProperty("retries").GetInt32());
        Assert.Equal(1, groups["down"].GetProperty("failed").GetInt32());

        // Retrying the failed lines only: the remote is back, the failed line runs again, the others are kept.
        down.Heal();
        using var retry = await host.Http.PostAsync($"/api/jobs/{batchId}/retry?failedItems=true", null);
        Assert.True(retry.IsSuccessStatusCode, await retry.Content.ReadAsStringAsync());
        var again = await BatchTestData.WaitAsync(host.Http, batchId);
        Assert.Equal("completed", again.GetProperty("status").GetString());
        Assert.Null(BatchTestData.FileId(again, "error_file_id"));
        var all = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(again, "output_file_id"));
        Assert.Equal(["flaky-0", "flaky-1", "flaky-2", "flaky-3", "down-0", "local-0"], all.Select(BatchTestData.CustomId));
        Assert.Equal(8, flaky.Calls);
        var items = (await host.GetJsonAsync($"/api/jobs/{batchId}/items")).EnumerateArray().ToDictionary(i => i.GetProperty("item").GetInt32(), i => i.GetProperty("computations").GetInt32());
        Assert.Equal(new Dictionary<int, int> { [1] = 1, [2] = 1, [3] = 1, [4] = 1, [5] = 2, [6] = 1 }, items);
    }

    /// <summary>An OpenAI-compatible stub: answers at once, or 503 (the first call of each prompt, or every call until healed).</summary>
    private sealed class StubRemote : IAsyncDisposable
    {
        private const string Completion = """{"id":"chatcmpl-stub","object":"chat.completion","created":1,"model":"stub","choices":[{"index":0,"message":{"role":"assistant","content":"The answer is 42."},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":6,"total_tokens":11}}""";
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, int> _seen = new();
        private int _calls;
        private volatile bool _healed;

        private StubRemote(WebApplication app) => _app = app;

        public string BaseUrl => _app.Urls.First();

        public int Calls => Volatile.Read(ref _calls);

        public void Heal() => _healed = true;

        public static async Task<StubRemote> StartAsync(bool failFirstCallPerPrompt)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var stub = new StubRemote(app);
            app.MapPost("/v1/chat/completions", async (HttpContext c) =>
            {
                Interlocked.Increment(ref stub._calls);
                using var reader = new StreamReader(c.Request.Body);
                var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.GetProperty("messages").GetRawText();
                var fail = failFirstCallPerPrompt ? stub._seen.AddOrUpdate(body, 1, (_, n) => n + 1) == 1 : !stub._healed;
                if (fail)
                {
                    c.Response.StatusCode = 503;
                    await c.Response.WriteAsync("""{"error":{"message":"overloaded","type":"server_error","code":"overloaded"}}""");
                    return;
                }

                c.Response.ContentType = "application/json";
                await c.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(Completion));
            });
            await app.StartAsync();
            return stub;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
