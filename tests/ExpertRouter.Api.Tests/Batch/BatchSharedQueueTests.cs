using ExpertRouter.Testing;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>Two worker processes on one PostgreSQL database (and one shared data directory) share the job queue: every batch runs once, no line twice.</summary>
[Collection(PostgresFixture.Collection)]
public sealed class BatchSharedQueueTests(PostgresFixture fixture)
{
    [SkippableFact]
    public async Task TwoWorkerProcesses_ShareTheQueue_NoJobOrLineProcessedTwice()
    {
        var settings = BatchCrashTests.FastJobs();
        settings["ExpertRouter:Storage:Provider"] = "Postgres";
        settings["ExpertRouter:Storage:ConnectionString"] = await fixture.RequireServer().CreateDatabaseAsync();
        settings["ExpertRouter:Jobs:Concurrency"] = "1";

        // Nobody is killed here: a lease long enough that a stalled heartbeat on a loaded machine never lets the other take over.
        settings["ExpertRouter:Jobs:LeaseDuration"] = "00:00:30";
        settings["ExpertRouter:Jobs:HeartbeatInterval"] = "00:00:01";
        using var data = new TempDirectory("er-shared");
        await using var a = await ServiceProcess.StartAsync(data.Path, settings);
        await using var b = await ServiceProcess.StartAsync(data.Path, settings);

        // Batches submitted to either instance; each instance runs one job at a time, so both must work.
        var batchIds = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var via = i % 2 == 0 ? a : b;
            var fileId = await BatchTestData.UploadAsync(via.Http, string.Join("\n", BatchTestData.ChatLines(10, maxTokens: 16, ignoreEos: true)));
            batchIds.Add(await BatchTestData.CreateBatchAsync(via.Http, fileId));
        }

        var workers = new List<string>();
        foreach (var id in batchIds)
        {
            var batch = await BatchTestData.WaitAsync(a.Http, id, timeout: TimeSpan.FromMinutes(2));
            Assert.True(batch.GetProperty("status").GetString() == "completed", batch + "\n" + a.Log + "\n" + b.Log);
            var output = await BatchTestData.DownloadLinesAsync(b.Http, BatchTestData.FileId(batch, "output_file_id"));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"req-{i:D3}"), output.Select(BatchTestData.CustomId));

            var job = await BatchTestData.GetAsync(b.Http, "/api/jobs/" + id);
            Assert.Equal(1, job.GetProperty("job").GetProperty("attempts").GetInt32());
            var worker = job.GetProperty("job").GetProperty("worker").GetString()!;
            Assert.True(a.Owns(worker) || b.Owns(worker), worker);
            workers.Add(worker);
            var items = (await BatchTestData.GetAsync(a.Http, $"/api/jobs/{id}/items")).EnumerateArray().ToList();
            Assert.Equal(10, items.Count);
            Assert.All(items, i =>
            {
                Assert.Equal(1, i.GetProperty("computations").GetInt32());
                Assert.Equal(worker, i.GetProperty("finishedBy").GetString());
            });
        }

        Assert.Contains(workers, a.Owns);
        Assert.Contains(workers, b.Owns);
    }
}
