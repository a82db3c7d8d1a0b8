using System.Text.Json;
using ExpertRouter.Testing;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>
/// Crash recovery with real processes: the service is killed with SIGKILL in the middle of a batch and
/// started again on the same database; the job is taken over when the dead worker's lease expires and
/// completes. Every input line appears exactly once in the output, and no line finished before the crash
/// was computed again (the per-line computation counter).
/// </summary>
public abstract class BatchCrashTests
{
    private const int Lines = 40;

    /// <summary>Long enough that the batch is still running when the first process is killed, even on a loaded machine.</summary>
    private const int MaxTokens = 192;

    /// <summary>Short leases so the restarted process takes the job over within seconds.</summary>
    internal static Dictionary<string, string> FastJobs(int parallelism = 2) => new()
    {
        ["ExpertRouter:Jobs:LeaseDuration"] = "00:00:03",
        ["ExpertRouter:Jobs:HeartbeatInterval"] = "00:00:00.500",
        ["ExpertRouter:Jobs:PollInterval"] = "00:00:00.200",
        ["ExpertRouter:Batch:Parallelism"] = parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ExpertRouter:Batch:ProgressInterval"] = "00:00:00.100",
    };

    protected abstract Task<Dictionary<string, string>> DatabaseSettingsAsync();

    [SkippableFact]
    public async Task KilledMidBatch_RestartedProcessResumes_EveryLineOnce_NoFinishedLineRecomputed()
    {
        var settings = await DatabaseSettingsAsync();
        foreach (var (k, v) in FastJobs())
        {
            settings[k] = v;
        }

        using var data = new TempDirectory("er-crash");
        string batchId;
        int firstPid;
        string firstWorker;
        await using (var first = await ServiceProcess.StartAsync(data.Path, settings))
        {
            firstPid = first.Pid;
            var fileId = await BatchTestData.UploadAsync(first.Http, string.Join("\n", BatchTestData.ChatLines(Lines, maxTokens: MaxTokens, ignoreEos: true)));
            batchId = await BatchTestData.CreateBatchAsync(first.Http, fileId);
            var running = await BatchTestData.WaitAsync(first.Http, batchId, b => b.GetProperty("request_counts").GetProperty("completed").GetInt32() >= 4);
            Assert.Equal("in_progress", running.GetProperty("status").GetString());
            firstWorker = running.GetProperty("expert_router").GetProperty("worker").GetString()!;
            Assert.True(first.Owns(firstWorker), firstWorker);
            first.Kill();
        }

        await using var second = await ServiceProcess.StartAsync(data.Path, settings);
        var batch = await BatchTestData.WaitAsync(second.Http, batchId, timeout: TimeSpan.FromMinutes(2));
        Assert.True(batch.GetProperty("status").GetString() == "completed", batch + "\n" + second.Log);
        Assert.Equal(Lines, batch.GetProperty("request_counts").GetProperty("completed").GetInt32());
        Assert.Null(BatchTestData.FileId(batch, "error_file_id"));

        // Every input line exactly once, in input order.
        var output = await BatchTestData.DownloadLinesAsync(second.Http, BatchTestData.FileId(batch, "output_file_id"));
        Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"req-{i:D3}"), output.Select(BatchTestData.CustomId));

        // Lines finished by the killed process were never computed again; lines in flight at the kill were redone once.
        var items = (await BatchTestData.GetAsync(second.Http, $"/api/jobs/{batchId}/items")).EnumerateArray().ToList();
        Assert.Equal(Lines, items.Count);
        Assert.All(items, i => Assert.True(i.GetProperty("succeeded").GetBoolean()));
        var byFirst = items.Where(i => i.GetProperty("finishedBy").GetString() == firstWorker).ToList();
        var bySecond = items.Where(i => second.Owns(i.GetProperty("finishedBy").GetString())).ToList();
        Assert.True(byFirst.Count >= 4, $"{byFirst.Count} lines finished before the kill");
        Assert.NotEmpty(bySecond);
        Assert.Equal(Lines, byFirst.Count + bySecond.Count);
        Assert.All(byFirst, i => Assert.Equal(1, i.GetProperty("computations").GetInt32()));
        var redone = bySecond.Where(i => i.GetProperty("computations").GetInt32() > 1).ToList();
        Assert.All(redone, i => Assert.Equal(2, i.GetProperty("computations").GetInt32()));
        Assert.True(redone.Count <= 2, $"{redone.Count} lines were redone; at most the 2 in flight at the kill may be");

        // The job was claimed twice (the crash cost an attempt) and its history shows both workers.
        var job = await BatchTestData.GetAsync(second.Http, "/api/jobs/" + batchId);
        Assert.Equal(2, job.GetProperty("job").GetProperty("attempts").GetInt32());
        var claims = job.GetProperty("history").EnumerateArray().Where(e => e.GetProperty("event").GetString() == "claimed").Select(e => e.GetProperty("worker").GetString()).ToList();
        Assert.Equal(2, claims.Count);
        Assert.Equal(firstWorker, claims[0]);
        Assert.True(second.Owns(claims[1]));
        Assert.NotEqual(firstPid, second.Pid);

        // Lines computed before and after the crash equal the same request made online now (greedy decoding).
        foreach (var line in new[] { output[0], output[^1] })
        {
            var index = int.Parse(BatchTestData.CustomId(line)[4..], System.Globalization.CultureInfo.InvariantCulture);
            using var online = await second.Http.PostAsync("/v1/chat/completions", new StringContent(
                JsonDocument.Parse(BatchTestData.ChatLine("x", BatchTestData.Experts[index % 3], $"Question {index}: what is {index} plus {index * 3}?", MaxTokens, ignoreEos: true))
                    .RootElement.GetProperty("body").GetRawText(), System.Text.Encoding.UTF8, "application/json"));
            var body = JsonDocument.Parse(await online.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), BatchTestData.Content(line));
        }
    }

    /// <summary>
    /// Routed lines end only after their aggregation, so a crash in the experts phase finds none finished; the expert
    /// answers they had are stored (job parts), and the restarted process runs only the missing calls. The first process
    /// is killed at a known point, not by timing: its memory budget holds only the (pinned) keyword model, so it answers
    /// every call of that expert, then waits for memory.
    /// </summary>
    [SkippableFact]
    public async Task KilledWhileRoutedLinesExpertsAnswer_RestartedProcessReusesTheirStoredAnswers()
    {
        const int RoutedLines = 8, RoutedTokens = 24;
        var settings = await DatabaseSettingsAsync();
        foreach (var (k, v) in FastJobs())
        {
            settings[k] = v;
        }

        using var data = new TempDirectory("er-crash-routed");
        long budget;
        await using (var setup = await ServiceProcess.StartAsync(data.Path, settings))
        {
            await RoutedBatchTestData.ProfileAsync(setup.Http, "crash");
            budget = await RoutedBatchTestData.PinKeywordModelAndStallingBudgetAsync(setup.Http);
        }

        string batchId;
        int stored;
        await using (var first = await ServiceProcess.StartAsync(data.Path, new Dictionary<string, string>(settings)
        {
            ["ExpertRouter:MemoryBudget"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }))
        {
            batchId = await BatchTestData.CreateBatchAsync(first.Http, await BatchTestData.UploadAsync(first.Http, RoutedBatchTestData.Lines(RoutedLines, RoutedTokens)));
            var waiting = (await BatchTestData.WaitAsync(first.Http, batchId, RoutedBatchTestData.Stalled)).GetProperty("expert_router").GetProperty("progress");
            first.Kill();
            stored = RoutedBatchTestData.KeywordModelCalls(waiting);
            Assert.True(stored > 0, waiting.ToString());
            Assert.Equal(stored, RoutedBatchTestData.CallsDone(waiting));
        }

        await using var second = await ServiceProcess.StartAsync(data.Path, settings);
        var batch = await BatchTestData.WaitAsync(second.Http, batchId, timeout: TimeSpan.FromMinutes(2));
        Assert.True(batch.GetProperty("status").GetString() == "completed", batch + "\n" + second.Log);
        var output = await BatchTestData.DownloadLinesAsync(second.Http, BatchTestData.FileId(batch, "output_file_id"));
        Assert.Equal(Enumerable.Range(0, RoutedLines).Select(i => $"r-{i}"), output.Select(BatchTestData.CustomId));

        // Every answer stored before the kill was reused; with the calls run after the restart they are all the calls.
        var items = (await BatchTestData.GetAsync(second.Http, $"/api/jobs/{batchId}/items")).EnumerateArray().ToList();
        Assert.Equal(RoutedLines, items.Count);
        Assert.All(items, i => Assert.Equal(0, i.GetProperty("parts").GetInt32()));
        Assert.All(items, i => Assert.Equal(2, i.GetProperty("computations").GetInt32())); // each line routed once per process
        var progress = (await BatchTestData.GetAsync(second.Http, "/api/jobs/" + batchId)).GetProperty("job").GetProperty("progress");
        Assert.Equal(stored, progress.GetProperty("resumedCalls").GetInt32());
        Assert.Equal(RoutedBatchTestData.Selected(output), stored + RoutedBatchTestData.CallsRun(progress));
        Assert.Equal(0, RoutedBatchTestData.KeywordModelCalls(progress));

        for (var i = 0; i < RoutedLines; i++)
        {
            await RoutedBatchTestData.AssertEqualsOnlineAsync(second.Http, output[i], RoutedBatchTestData.Body(i, RoutedTokens));
        }
    }
}

public sealed class SqliteBatchCrashTests : BatchCrashTests
{
    protected override Task<Dictionary<string, string>> DatabaseSettingsAsync() => Task.FromResult(new Dictionary<string, string>());
}

[Collection(PostgresFixture.Collection)]
public sealed class PostgresBatchCrashTests(PostgresFixture fixture) : BatchCrashTests
{
    protected override async Task<Dictionary<string, string>> DatabaseSettingsAsync() => new()
    {
        ["ExpertRouter:Storage:Provider"] = "Postgres",
        ["ExpertRouter:Storage:ConnectionString"] = await fixture.RequireServer().CreateDatabaseAsync(),
    };
}
