using ExpertRouter.Core.Batches;
using ExpertRouter.Core.Jobs;
using ExpertRouter.Testing;

namespace ExpertRouter.Storage.Tests.Jobs;

/// <summary>File and batch metadata on each provider; a batch and its job are created together.</summary>
public abstract class BatchStoreContractTests : MigratedDatabaseTests
{
    protected SqlBatchStore Store { get; private set; } = null!;

    protected SqlJobStore Jobs { get; private set; } = null!;

    protected override void CreateStores(Database database)
    {
        Store = new SqlBatchStore(database, Clock);
        Jobs = new SqlJobStore(database, Clock);
    }

    [SkippableFact]
    public async Task Files_roundtrip_list_by_purpose_with_paging_and_delete()
    {
        Skip.If(SkipReason is not null, SkipReason);
        for (var i = 0; i < 4; i++)
        {
            await Store.AddFileAsync(new StoredFile($"file-{i}", i == 3 ? "fine-tune" : "batch", $"in{i}.jsonl", 100 + i, Clock.GetUtcNow()));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(new StoredFile("file-1", "batch", "in1.jsonl", 101, new DateTimeOffset(2025, 3, 1, 12, 0, 1, TimeSpan.Zero)), await Store.GetFileAsync("file-1"));
        Assert.Equal(["file-3", "file-2", "file-1", "file-0"], (await Store.ListFilesAsync(null, null, 10, false)).Select(f => f.Id));
        Assert.Equal(["file-2", "file-1", "file-0"], (await Store.ListFilesAsync("batch", null, 10, false)).Select(f => f.Id));
        Assert.Equal(["file-1", "file-0"], (await Store.ListFilesAsync("batch", "file-2", 10, false)).Select(f => f.Id));
        Assert.Equal(["file-1", "file-2"], (await Store.ListFilesAsync(null, "file-0", 2, true)).Select(f => f.Id));

        await Store.UpsertFileAsync(new StoredFile("file-1", "batch_output", "out.jsonl", 5, Clock.GetUtcNow()));
        Assert.Equal("batch_output", (await Store.GetFileAsync("file-1"))!.Purpose);
        Assert.True(await Store.DeleteFileAsync("file-1"));
        Assert.False(await Store.DeleteFileAsync("file-1"));
        Assert.Null(await Store.GetFileAsync("file-1"));
    }

    [SkippableFact]
    public async Task A_batch_is_created_with_its_job_and_moves_through_conditional_statuses()
    {
        Skip.If(SkipReason is not null, SkipReason);
        var batch = new BatchRecord
        {
            Id = "batch_1",
            Endpoint = "/v1/chat/completions",
            InputFileId = "file-in",
            Metadata = new Dictionary<string, string> { ["project"] = "x" },
            ExpiresAt = Clock.GetUtcNow().AddHours(24),
        };
        await Store.CreateBatchAsync(batch, new NewJob("batch_1", "batch", "{}"));
        var job = await Jobs.GetAsync("batch_1");
        Assert.Equal(JobStatus.Queued, job!.Status);
        var stored = (await Store.GetBatchAsync("batch_1"))!;
        Assert.Equal(BatchStatuses.Validating, stored.Status);
        Assert.Equal("x", stored.Metadata!["project"]);
        Assert.Equal(Clock.GetUtcNow(), stored.CreatedAt);
        Assert.Equal(Clock.GetUtcNow().AddHours(24), stored.ExpiresAt);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.CreateBatchAsync(batch with { Id = "batch_2" }, new NewJob("batch_1", "batch", "{}")));
        Assert.Null(await Store.GetBatchAsync("batch_2")); // the failed transaction left nothing behind

        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await Store.TrySetStatusAsync("batch_1", BatchStatuses.InProgress, [BatchStatuses.Validating]));
        Assert.True(await Store.TrySetStatusAsync("batch_1", BatchStatuses.Cancelling, [BatchStatuses.Validating, BatchStatuses.InProgress]));
        // The worker's own transition must not overwrite the cancellation.
        Assert.False(await Store.TrySetStatusAsync("batch_1", BatchStatuses.Finalizing, [BatchStatuses.InProgress]));
        await Store.UpdateCountsAsync("batch_1", 10, 4, 1);
        var running = (await Store.GetBatchAsync("batch_1"))!;
        Assert.Equal(BatchStatuses.Cancelling, running.Status);
        Assert.Equal(Clock.GetUtcNow(), running.InProgressAt);
        Assert.Equal(Clock.GetUtcNow(), running.CancellingAt);
        Assert.Equal((10, 4, 1), (running.Total, running.Completed, running.Failed));

        await Store.FinishAsync(running with { Status = BatchStatuses.Cancelled, OutputFileId = "file-out", Completed = 5 });
        var done = (await Store.GetBatchAsync("batch_1"))!;
        Assert.Equal(BatchStatuses.Cancelled, done.Status);
        Assert.Equal("file-out", done.OutputFileId);
        Assert.Null(done.ErrorFileId);
        Assert.Equal(5, done.Completed);
        Assert.NotNull(done.CancelledAt);

        Assert.True(await Store.ReopenAsync("batch_1"));
        var reopened = (await Store.GetBatchAsync("batch_1"))!;
        Assert.Equal(BatchStatuses.Validating, reopened.Status);
        Assert.Null(reopened.OutputFileId);
        Assert.Null(reopened.CancelledAt);
        Assert.False(await Store.ReopenAsync("batch_1"));
    }

    [SkippableFact]
    public async Task Batches_list_newest_first_with_after()
    {
        Skip.If(SkipReason is not null, SkipReason);
        for (var i = 0; i < 3; i++)
        {
            await Store.CreateBatchAsync(new BatchRecord { Id = $"batch_{i}", Endpoint = "/v1/embeddings", InputFileId = "f" }, new NewJob($"batch_{i}", "batch", "{}"));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(["batch_2", "batch_1", "batch_0"], (await Store.ListBatchesAsync(null, 10)).Select(b => b.Id));
        Assert.Equal(["batch_1"], (await Store.ListBatchesAsync("batch_2", 1)).Select(b => b.Id));
    }
}

public sealed class SqliteBatchStoreTests : BatchStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new("expertrouter-batches");

    protected override string? SkipReason => null;

    protected override Task<StorageOptions> CreateIsolatedOptionsAsync() => Task.FromResult(new StorageOptions { DataDirectory = _directory.Path });

    public void Dispose() => _directory.Dispose();
}

[Collection(PostgresFixture.Collection)]
public sealed class PostgresBatchStoreTests(PostgresFixture fixture) : BatchStoreContractTests
{
    protected override string? SkipReason => fixture.UnavailableReason;

    protected override async Task<StorageOptions> CreateIsolatedOptionsAsync() =>
        new() { Provider = StorageProvider.Postgres, ConnectionString = await fixture.Server!.CreateSchemaAsync() };
}
