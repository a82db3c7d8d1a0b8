using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>Batch input files and the HTTP calls the batch tests share (plain HttpClient, so they also work against a child process).</summary>
internal static class BatchTestData
{
    public static readonly string[] Experts = ["demo-general", "demo-math", "demo-medicine"];

    private static readonly JsonSerializerOptions SkipNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>One chat request line (greedy decoding).</summary>
    public static string ChatLine(string customId, string model, string question, int maxTokens, bool ignoreEos = false) => JsonSerializer.Serialize(new
    {
        custom_id = customId,
        method = "POST",
        url = "/v1/chat/completions",
        body = new
        {
            model,
            messages = new object[] { new { role = "system", content = "Answer briefly." }, new { role = "user", content = question } },
            max_tokens = maxTokens,
            temperature = 0,
            ignore_eos = ignoreEos ? true : (bool?)null,
        },
    }, SkipNulls);

    /// <summary><paramref name="count"/> chat lines spread over the three demo experts (interleaved, so grouping matters).</summary>
    public static List<string> ChatLines(int count, int maxTokens, bool ignoreEos = false) =>
        [.. Enumerable.Range(0, count).Select(i => ChatLine($"req-{i:D3}", Experts[i % Experts.Length], $"Question {i}: what is {i} plus {i * 3}?", maxTokens, ignoreEos))];

    public static async Task<string> UploadAsync(HttpClient http, string content, string purpose = "batch", string filename = "input.jsonl")
    {
        using var form = new MultipartFormDataContent();
        using var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(new StringContent(purpose), "purpose");
        form.Add(file, "file", filename);
        using var response = await http.PostAsync("/v1/files", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"upload: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    public static async Task<string> CreateBatchAsync(HttpClient http, string fileId, string endpoint = "/v1/chat/completions")
    {
        using var response = await http.PostAsJsonAsync("/v1/batches", new { input_file_id = fileId, endpoint, completion_window = "24h" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"create batch: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls the batch until <paramref name="done"/> says so (default: a final status).</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient http, string batchId, Func<JsonElement, bool>? done = null, TimeSpan? timeout = null)
    {
        static bool Final(JsonElement b) => b.GetProperty("status").GetString() is "completed" or "failed" or "cancelled" or "expired";
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var batch = await GetAsync(http, "/v1/batches/" + batchId);
            if ((done ?? Final)(batch))
            {
                return batch;
            }

            // A batch that ended without reaching the awaited state never will: say so now rather than at the deadline.
            Assert.False(Final(batch), "the batch ended before the awaited state: " + batch);

            Assert.True(DateTime.UtcNow < deadline, "batch did not get there in time: " + batch);
            await Task.Delay(100);
        }
    }

    /// <summary>The queue's record of a job (<c>job</c> of <c>GET /api/jobs/{id}</c>) once it has ended.</summary>
    public static async Task<JsonElement> WaitForJobAsync(HttpClient http, string jobId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var job = (await GetAsync(http, "/api/jobs/" + jobId)).GetProperty("job");
            if (job.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, "the job did not end in time: " + job);
            await Task.Delay(50);
        }
    }

    /// <summary>The lines of a file, parsed, in file order.</summary>
    public static async Task<List<JsonElement>> DownloadLinesAsync(HttpClient http, string? fileId)
    {
        if (fileId is null)
        {
            return [];
        }

        var text = await http.GetStringAsync($"/v1/files/{fileId}/content");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    public static string? FileId(JsonElement batch, string property) =>
        batch.GetProperty(property).ValueKind == JsonValueKind.String ? batch.GetProperty(property).GetString() : null;

    public static string CustomId(JsonElement line) => line.GetProperty("custom_id").GetString()!;

    public static string Content(JsonElement line) =>
        line.GetProperty("response").GetProperty("body").GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
}
