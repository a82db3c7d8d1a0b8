using System.ClientModel;
using System.Text.Json;
using OpenAI.Batch;
using OpenAI.Chat;
using OpenAI.Files;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>The official OpenAI .NET client's files and batch calls against a real ExpertRouter on the generated demo experts.</summary>
public sealed class BatchClientTests
{
    [Fact]
    public async Task OfficialClient_UploadCreatePollDownload_EveryLineEqualsTheSameRequestOnline_GroupedByExpert()
    {
        await using var host = await ServiceHost.StartAsync();
        var lines = BatchTestData.ChatLines(12, maxTokens: 12);
        lines.Add(JsonSerializer.Serialize(new
        {
            custom_id = "two-choices",
            method = "POST",
            url = "/v1/chat/completions",
            body = new { model = "demo-math", messages = new[] { new { role = "user", content = "Name a prime." } }, max_tokens = 6, temperature = 0, n = 2 },
        }));
        var files = host.OpenAi.GetOpenAIFileClient();
        var batches = host.OpenAi.GetBatchClient();

        OpenAIFile file = await files.UploadFileAsync(BinaryData.FromString(string.Join("\n", lines) + "\n"), "requests.jsonl", FileUploadPurpose.Batch);
        Assert.StartsWith("file-", file.Id, StringComparison.Ordinal);
        Assert.Equal(FilePurpose.Batch, file.Purpose);
        Assert.Equal("requests.jsonl", file.Filename);
        Assert.Equal((await files.GetFileAsync(file.Id)).Value.SizeInBytesLong, file.SizeInBytesLong);
        Assert.Contains((await files.GetFilesAsync(FilePurpose.Batch)).Value, f => f.Id == file.Id);

        using var content = BinaryContent.Create(BinaryData.FromObjectAsJson(new
        {
            input_file_id = file.Id,
            endpoint = "/v1/chat/completions",
            completion_window = "24h",
            metadata = new Dictionary<string, string> { ["suite"] = "batch-client" },
        }));
        CreateBatchOperation operation = await batches.CreateBatchAsync(content, waitUntilCompleted: false);
        Assert.StartsWith("batch_", operation.BatchId, StringComparison.Ordinal);
        JsonElement batch;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            await operation.UpdateStatusAsync();
            batch = JsonDocument.Parse(operation.GetRawResponse().Content).RootElement.Clone();
            if (operation.HasCompleted)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, batch.ToString());
            await Task.Delay(100);
        }

        Assert.Equal("completed", batch.GetProperty("status").GetString());
        Assert.Equal("batch", batch.GetProperty("object").GetString());
        Assert.Equal(file.Id, batch.GetProperty("input_file_id").GetString());
        Assert.Equal(13, batch.GetProperty("request_counts").GetProperty("total").GetInt32());
        Assert.Equal(13, batch.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Equal(0, batch.GetProperty("request_counts").GetProperty("failed").GetInt32());
        Assert.Equal("batch-client", batch.GetProperty("metadata").GetProperty("suite").GetString());
        Assert.Equal(JsonValueKind.Null, batch.GetProperty("error_file_id").ValueKind);
        foreach (var stamp in new[] { "created_at", "in_progress_at", "finalizing_at", "completed_at", "expires_at" })
        {
            Assert.True(batch.GetProperty(stamp).GetInt64() > 0, stamp);
        }

        // The typed list of the SDK parses our batch objects.
        var listed = new List<BatchJob>();
        await foreach (var job in batches.GetBatchesAsync(new BatchCollectionOptions { PageSizeLimit = 5 }))
        {
            listed.Add(job);
        }

        var typed = Assert.Single(listed, b => b.Id == operation.BatchId);
        Assert.Equal(batch.GetProperty("output_file_id").GetString(), typed.OutputFileId);
        Assert.NotNull(typed.CompletedAt);

        // Output: each custom_id once, in input order, each equal to the same request made online.
        var output = (await files.DownloadFileAsync(typed.OutputFileId)).Value.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal([.. Enumerable.Range(0, 12).Select(i => $"req-{i:D3}"), "two-choices"], output.Select(BatchTestData.CustomId));
        for (var i = 0; i < 12; i++)
        {
            var line = output[i];
            Assert.StartsWith("batch_req_", line.GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, line.GetProperty("error").ValueKind);
            var response = line.GetProperty("response");
            Assert.Equal(200, response.GetProperty("status_code").GetInt32());
            Assert.StartsWith("req_", response.GetProperty("request_id").GetString(), StringComparison.Ordinal);
            var body = response.GetProperty("body");
            Assert.Equal("chat.completion", body.GetProperty("object").GetString());
            var model = BatchTestData.Experts[i % 3];
            Assert.Equal(model, body.GetProperty("model").GetString());
            Assert.Equal(model, body.GetProperty("expert_router").GetProperty("expert").GetString());

            var online = (await host.OpenAi.GetChatClient(model).CompleteChatAsync(
                [new SystemChatMessage("Answer briefly."), new UserChatMessage($"Question {i}: what is {i} plus {i * 3}?")],
                new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12 })).Value;
            Assert.Equal(online.Content[0].Text, BatchTestData.Content(line));
            Assert.Equal(online.Usage.OutputTokenCount, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
            Assert.Equal(online.Usage.InputTokenCount, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(online.FinishReason == OpenAI.Chat.ChatFinishReason.Length ? "length" : "stop", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        }

        Assert.Equal(2, output[12].GetProperty("response").GetProperty("body").GetProperty("choices").GetArrayLength());

        // Grouped by expert: one group per expert, each model loaded exactly once for the 13 interleaved lines.
        var detail = await host.GetJsonAsync("/api/jobs/" + operation.BatchId);
        var progress = detail.GetProperty("job").GetProperty("progress");
        var groups = progress.GetProperty("experts").EnumerateArray().ToList();
        Assert.Equal(BatchTestData.Experts.Order(), groups.Select(g => g.GetProperty("name").GetString()).Order());
        Assert.All(groups, g => Assert.Equal(g.GetProperty("lines").GetInt32(), g.GetProperty("done").GetInt32()));
        Assert.Equal("done", progress.GetProperty("phase").GetString());
        Assert.Equal("completed", detail.GetProperty("job").GetProperty("status").GetString());
        Assert.Equal(13, detail.GetProperty("items").GetProperty("succeeded").GetInt32());
        Assert.Equal(0, detail.GetProperty("items").GetProperty("recomputed").GetInt32());
        Assert.Contains(detail.GetProperty("history").EnumerateArray(), e => e.GetProperty("event").GetString() == "claimed");
        foreach (var expert in BatchTestData.Experts)
        {
            Assert.Equal(1, host.Models.GetStatus(expert)!.Loads);
        }

        // Files can be deleted; a deleted file is gone.
        var deleted = (await files.DeleteFileAsync(file.Id)).Value;
        Assert.True(deleted.Deleted);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => files.GetFileAsync(file.Id));
        Assert.Equal(404, gone.Status);
    }

    [Fact]
    public async Task EmbeddingsBatch_EachLineEqualsTheOnlineEmbedding()
    {
        await using var host = await ServiceHost.StartAsync();
        var inputs = new[] { "contract law", "organic chemistry", "the derivative of x squared" };
        var lines = inputs.Select((text, i) => JsonSerializer.Serialize(new
        {
            custom_id = $"e{i}",
            method = "POST",
            url = "/v1/embeddings",
            body = new { model = BatchTestData.Experts[i % 3], input = text },
        }));
        var fileId = await BatchTestData.UploadAsync(host.Http, string.Join("\n", lines));
        var batchId = await BatchTestData.CreateBatchAsync(host.Http, fileId, "/v1/embeddings");
        var batch = await BatchTestData.WaitAsync(host.Http, batchId);
        Assert.Equal("completed", batch.GetProperty("status").GetString());
        var output = await BatchTestData.DownloadLinesAsync(host.Http, BatchTestData.FileId(batch, "output_file_id"));
        Assert.Equal(["e0", "e1", "e2"], output.Select(BatchTestData.CustomId));
        for (var i = 0; i < inputs.Length; i++)
        {
            var online = (await host.OpenAi.GetEmbeddingClient(BatchTestData.Experts[i % 3]).GenerateEmbeddingAsync(inputs[i])).Value.ToFloats().ToArray();
            var body = output[i].GetProperty("response").GetProperty("body");
            Assert.Equal("list", body.GetProperty("object").GetString());
            var vector = body.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(online, vector);
        }
    }
}
