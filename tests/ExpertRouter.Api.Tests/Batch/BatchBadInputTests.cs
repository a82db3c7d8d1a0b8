using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenAI.Files;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>Bad batch input: malformed lines, unknown models, oversized files, bad create requests, cancellation mid-run.</summary>
public sealed class BatchBadInputTests
{
    private static Task<ServiceHost> StartAsync(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ExpertRouter:Batch:MaxFileBytes"] = "65536",
            ["ExpertRouter:Batch:ProgressInterval"] = "00:00:00.100",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return ServiceHost.StartAsync(settings);
    }

    [Fact]
    public async Task MalformedLinesAndUnknownModels_GoToTheErrorFile_WithLineNumbers_TheOtherLinesRun()
    {
        await using var host = await StartAsync();
        string[] input =
        [
            BatchTestData.ChatLine("good-1", "demo-general", "hello", 4),                                        // 1
            "{\"custom_id\": \"broken\", \"method\": \"POST\", ",                                                  // 2 not JSON
            BatchTestData.ChatLine("good-2", "demo-math", "two plus two", 4),                                    // 3
            "",                                                                                                  // 4 blank: ignored
            BatchTestData.ChatLine("unknown-model", "gpt-17", "hello", 4),                                       // 5 404
            "[1, 2, 3]",                                                                                         // 6 not an object
            """{"method":"POST","url":"/v1/chat/completions","body":{"model":"demo-general","messages":[]}}""", // 7 no custom_id
            """{"custom_id":"wrong-url","method":"POST","url":"/v1/embeddings","body":{"model":"demo-general","input":"x"}}""", // 8
            """{"custom_id":"bad-temperature","method":"POST","url":"/v1/chat/completions","body":{"model":"demo-general","messages":[{"role":"user","content":"hi"}],"temperature":5}}""", // 9 400
            BatchTestData.ChatLine("routed", "moe/symbolic", "hello", 4),                                        // 10 routed (no profile yet)
            BatchTestData.ChatLine("good-1", "demo-general", "again", 4),                                        // 11 duplicate custom_id
        ];
        var fileId = await BatchTestData.UploadAsync(host.Http, string.Join("\n", input));
        var batchId = await BatchTestData.CreateBatchAsync(host.Http, fileId);
        var batch = await BatchTestData.WaitAsync(host.Http, batchId);

        Assert.Equal("completed", batch.GetProperty("status").GetString());
        var counts = batch.GetProperty("request_counts");
        Assert.Equal(10, counts.GetProperty("total").GetInt32());
        var output = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(batch, "output_file_id"));
        var errors = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(batch, "error_file_id"));
        Assert.Equal(counts.GetProperty("completed").GetInt32(), output.Count);
        Assert.Equal(counts.GetProperty("failed").GetInt32(), errors.Count);
        Assert.Equal(10, output.Count + errors.Count);
        Assert.Equal(["good-1", "good-2"], output.Select(BatchTestData.CustomId).Where(id => id != "routed"));

        // Lines that are not requests: error objects naming the line.
        var byLine = errors.Where(e => e.GetProperty("error").ValueKind == JsonValueKind.Object)
            .ToDictionary(e => e.GetProperty("error").GetProperty("line").GetInt32(), e => e.GetProperty("error"));
        Assert.Equal([2, 6, 7, 8, 11], byLine.Keys.Order());
        Assert.Equal("invalid_json", byLine[2].GetProperty("code").GetString());
        Assert.Contains("Line 2", byLine[2].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("missing_custom_id", byLine[7].GetProperty("code").GetString());
        Assert.Equal("invalid_url", byLine[8].GetProperty("code").GetString());
        Assert.Equal("duplicate_custom_id", byLine[11].GetProperty("code").GetString());
        Assert.All(errors.Where(e => e.GetProperty("error").ValueKind == JsonValueKind.Object), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("response").ValueKind));

        // Requests the endpoint itself rejects: the online status and error envelope.
        var unknown = errors.Single(e => e.GetProperty("custom_id").GetString() == "unknown-model").GetProperty("response");
        Assert.Equal(404, unknown.GetProperty("status_code").GetInt32());
        Assert.Equal("model_not_found", unknown.GetProperty("body").GetProperty("error").GetProperty("code").GetString());
        var badTemperature = errors.Single(e => e.GetProperty("custom_id").GetString() == "bad-temperature").GetProperty("response");
        Assert.Equal(400, badTemperature.GetProperty("status_code").GetInt32());
        Assert.Equal("temperature", badTemperature.GetProperty("body").GetProperty("error").GetProperty("param").GetString());

        // The routed line ends up in exactly one of the two files.
        Assert.Equal(1, output.Concat(errors).Count(l => l.GetProperty("custom_id").GetString() == "routed"));

        // The batch object lists the malformed lines with their numbers, as OpenAI's errors list does.
        var listed = batch.GetProperty("errors").GetProperty("data").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()).ToList();
        Assert.Equal([2, 6, 7, 8, 11], listed);
    }

    [Fact]
    public async Task AFileOverTheSizeLimit_Is413_InOpenAisEnvelope_AndBadCreateRequestsAreRejected()
    {
        await using var host = await StartAsync();
        var files = host.OpenAi.GetOpenAIFileClient();
        var big = BinaryData.FromString(new string('x', 70_000));
        var e = await Assert.ThrowsAsync<ClientResultException>(() => files.UploadFileAsync(big, "big.jsonl", FileUploadPurpose.Batch));
        Assert.Equal(413, e.Status);
        var body = JsonDocument.Parse(e.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("file_too_large", body.GetProperty("code").GetString());
        Assert.Contains("65536", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty((await files.GetFilesAsync()).Value);

        // Other purposes are stored as given; a batch needs purpose 'batch'.
        var notBatch = await BatchTestData.UploadAsync(host.Http, "{}", purpose: "fine-tune");
        Assert.Equal("fine-tune", (await host.GetJsonAsync("/v1/files/" + notBatch)).GetProperty("purpose").GetString());
        var good = await BatchTestData.UploadAsync(host.Http, BatchTestData.ChatLine("a", "demo-general", "hi", 2));
        (object Body, int Status, string Code)[] cases =
        [
            (new { input_file_id = notBatch, endpoint = "/v1/chat/completions", completion_window = "24h" }, 400, "invalid_file_purpose"),
            (new { input_file_id = "file-missing", endpoint = "/v1/chat/completions", completion_window = "24h" }, 404, "file_not_found"),
            (new { input_file_id = good, endpoint = "/v1/completions", completion_window = "24h" }, 400, "unsupported_value"),
            (new { input_file_id = good, endpoint = "/v1/chat/completions", completion_window = "soon" }, 400, "invalid_value"),
            (new { endpoint = "/v1/chat/completions" }, 400, "missing_required_parameter"),
        ];
        foreach (var (requestBody, status, code) in cases)
        {
            using var response = await host.Http.PostAsJsonAsync("/v1/batches", requestBody);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal(code, error.GetProperty("code").GetString());
        }

        using var missing = await host.Http.GetAsync("/v1/batches/batch_nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var missingContent = await host.Http.GetAsync("/v1/files/file-nope/content");
        Assert.Equal(HttpStatusCode.NotFound, missingContent.StatusCode);
    }

    [Fact]
    public async Task ABatchCancelledMidRun_KeepsItsFinishedLinesInTheOutputFile_AndEndsCancelled()
    {
        await using var host = await StartAsync(("ExpertRouter:Batch:Parallelism", "1"));
        // Lines long enough (about 0.1-0.2 s each, one at a time) that the cancellation lands with most of them still to run.
        var fileId = await BatchTestData.UploadAsync(host.Http, string.Join("\n", BatchTestData.ChatLines(24, maxTokens: 300, ignoreEos: true)));
        var batchId = await BatchTestData.CreateBatchAsync(host.Http, fileId);
        await BatchTestData.WaitAsync(host.Http, batchId, b => b.GetProperty("request_counts").GetProperty("completed").GetInt32() >= 2);

        using var cancel = await host.Http.PostAsync($"/v1/batches/{batchId}/cancel", null);
        var cancelled = JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement;
        Assert.True(cancel.IsSuccessStatusCode, cancelled.ToString());
        Assert.Contains(cancelled.GetProperty("status").GetString(), new[] { "cancelling", "cancelled" });

        var batch = await BatchTestData.WaitAsync(host.Http, batchId);
        Assert.Equal("cancelled", batch.GetProperty("status").GetString());
        Assert.True(batch.GetProperty("cancelled_at").GetInt64() > 0);
        var output = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(batch, "output_file_id"));
        Assert.InRange(output.Count, 2, 23);
        Assert.Equal(output.Count, batch.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(output.Count, output.Select(BatchTestData.CustomId).Distinct().Count());
        Assert.All(output, l => Assert.Equal(200, l.GetProperty("response").GetProperty("status_code").GetInt32()));

        // The batch record is final before the queue records the job's outcome: wait for the job to leave "running".
        await BatchTestData.WaitForJobAsync(host.Http, batchId);
        var job = await host.GetJsonAsync("/api/jobs/" + batchId);

        Assert.Equal("cancelled", job.GetProperty("job").GetProperty("status").GetString());
        Assert.Equal(output.Count, job.GetProperty("items").GetProperty("succeeded").GetInt32());

        // A cancelled batch stays cancelled; a second cancel answers the same.
        using var again = await host.Http.PostAsync($"/v1/batches/{batchId}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        // Retrying the job resumes it: the finished lines are kept, the rest run, every custom_id once.
        using var retry = await host.Http.PostAsync($"/api/jobs/{batchId}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var resumed = await BatchTestData.WaitAsync(host.Http, batchId);
        Assert.Equal("completed", resumed.GetProperty("status").GetString());
        var all = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(resumed, "output_file_id"));
        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"req-{i:D3}"), all.Select(BatchTestData.CustomId));
        var items = (await host.GetJsonAsync($"/api/jobs/{batchId}/items")).EnumerateArray().ToList();
        var firstRun = output.Select(BatchTestData.CustomId).Select(id => int.Parse(id[4..], System.Globalization.CultureInfo.InvariantCulture) + 1).ToHashSet();
        Assert.All(items.Where(i => firstRun.Contains(i.GetProperty("item").GetInt32())), i => Assert.Equal(1, i.GetProperty("computations").GetInt32()));
    }
}
