using System.Collections.Concurrent;
using ExpertRouter.Core.Jobs;
using ExpertRouter.Testing;

namespace ExpertRouter.Storage.Tests.Jobs;

/// <summary>The durable job queue on each provider: atomic claims, leases and heartbeats, reclaiming, checkpoints, cancellation, history.</summary>
public abstract class JobStoreContractTests : MigratedDatabaseTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly string[] Kinds = ["test"];

    protected SqlJobStore Store { get; private set; } = null!;

    protected override void CreateStores(Database database)
    {
        Store = new SqlJobStore(database, Clock);
    }

    [SkippableFact]
    public async Task Concurrent_claimers_never_get_the_same_job()
    {
        Skip.If(SkipReason is not null, SkipReason);
        for (var i = 0; i < 24; i++)
        {
            Assert.True(await Store.EnqueueAsync(new NewJob($"job-{i:D2}", "test", "{}")));
            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.False(await Store.EnqueueAsync(new NewJob("job-00", "test", "{}")));
        var claimed = new ConcurrentBag<(string Worker, string Job)>();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            while (await Store.ClaimAsync($"worker-{w}", Kinds, Lease) is { } job)
            {
                claimed.Add(($"worker-{w}", job.Id));
            }
        })));

        Assert.Equal(24, claimed.Count);
        Assert.Equal(24, claimed.Select(c => c.Job).Distinct().Count());
        foreach (var (worker, id) in claimed)
        {
            var job = (await Store.GetAsync(id))!;
            Assert.Equal(JobStatus.Running, job.Status);
            Assert.Equal(worker, job.LeaseOwner);
            Assert.Equal(1, job.Attempts);
        }

        Assert.Null(await Store.ClaimAsync("late", Kinds, Lease));
        Assert.Null(await Store.ClaimAsync("other-kind", ["nothing"], Lease));
    }

    [SkippableFact]
    public async Task Jobs_are_claimed_oldest_first_and_only_for_the_workers_kinds()
    {
        Skip.If(SkipReason is not null, SkipReason);
        await Store.EnqueueAsync(new NewJob("b-1", "batch", """{"n":1}"""));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.EnqueueAsync(new NewJob("p-1", "profiling", "{}"));
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Store.EnqueueAsync(new NewJob("b-2", "batch", "{}"));

        var first = await Store.ClaimAsync("w", ["batch"], Lease);
        Assert.Equal("b-1", first!.Id);
        Assert.Equal("""{"n":1}""", first.Payload);
        Assert.Equal("b-2", (await Store.ClaimAsync("w", ["batch"], Lease))!.Id);
        Assert.Null(await Store.ClaimAsync("w", ["batch"], Lease));
        Assert.Equal("p-1", (await Store.ClaimAsync("w", ["batch", "profiling"], Lease))!.Id);
    }

    [SkippableFact]
    public async Task An_expired_lease_is_reclaimed_by_another_worker_and_the_old_owner_can_no_longer_write()
    {
        Skip.If(SkipReason is not null, SkipReason);
        await Store.EnqueueAsync(new NewJob("j", "test", "{}", MaxAttempts: 3));
        var a = await Store.ClaimAsync("worker-a", Kinds, Lease);
        Assert.NotNull(a);

        // A heartbeat keeps the job: 20 s later it is extended to 50 s.
        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(new JobHeartbeat(true, false), await Store.HeartbeatAsync("j", "worker-a", Lease, """{"done":1}"""));
        Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(await Store.ClaimAsync("worker-b", Kinds, Lease));

        // Worker A dies: its lease runs out, B takes over with attempt 2.
        Clock.Advance(TimeSpan.FromSeconds(11));
        var b = await Store.ClaimAsync("worker-b", Kinds, Lease);
        Assert.NotNull(b);
        Assert.Equal(2, b!.Attempts);
        Assert.Equal("worker-b", b.LeaseOwner);
        Assert.Equal("""{"done":1}""", b.Progress);

        Assert.Equal(new JobHeartbeat(false, false), await Store.HeartbeatAsync("j", "worker-a", Lease));
        Assert.False((await Store.UpdateProgressAsync("j", "worker-a", "{}")).Owned);
        Assert.False(await Store.FinishAsync("j", "worker-a", JobStatus.Completed, null));
        Assert.False(await Store.ReleaseAsync("j", "worker-a", Clock.GetUtcNow(), "x", countAttempt: true));

        Assert.Equal(new JobHeartbeat(true, false), await Store.UpdateProgressAsync("j", "worker-b", """{"done":2}"""));
        Assert.True(await Store.FinishAsync("j", "worker-b", JobStatus.Completed, null));
        var done = (await Store.GetAsync("j"))!;
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal("""{"done":2}""", done.Progress);
        Assert.Equal(Clock.GetUtcNow(), done.FinishedAt);
        Assert.Equal("worker-b", done.LeaseOwner);

        var history = (await Store.GetEventsAsync("j")).Select(e => (e.Event, e.Worker)).ToList();
        Assert.Equal([("enqueued", null), ("claimed", "worker-a"), ("claimed", "worker-b"), ("completed", "worker-b")], history);
    }

    [SkippableFact]
    public async Task Abandoned_jobs_without_attempts_left_fail()
    {
        Skip.If(SkipReason is not null, SkipReason);
        await Store.EnqueueAsync(new NewJob("j", "test", "{}", MaxAttempts: 2));
        await Store.ClaimAsync("a", Kinds, Lease);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Empty(await Store.FailAbandonedAsync());
        await Store.ClaimAsync("b", Kinds, Lease);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Null(await Store.ClaimAsync("c", Kinds, Lease));
        Assert.Equal(["j"], await Store.FailAbandonedAsync());
        var job = (await Store.GetAsync("j"))!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("heartbeat", job.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Release_with_backoff_delays_the_next_claim_and_a_shutdown_release_returns_the_attempt()
    {
        Skip.If(SkipReason is not null, SkipReason);
        await Store.EnqueueAsync(new NewJob("j", "test", "{}"));
        await Store.ClaimAsync("a", Kinds, Lease);
        Assert.True(await Store.ReleaseAsync("j", "a", Clock.GetUtcNow().AddSeconds(10), "upstream 503", countAttempt: true));
        var queued = (await Store.GetAsync("j"))!;
        Assert.Equal(JobStatus.Queued, queued.Status);
        Assert.Equal(1, queued.Attempts);
        Assert.Equal("upstream 503", queued.Error);
        Assert.Null(queued.LeaseOwner);

        Assert.Null(await Store.ClaimAsync("b", Kinds, Lease));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await Store.ClaimAsync("b", Kinds, Lease))!.Attempts);

        Assert.True(await Store.ReleaseAsync("j", "b", Clock.GetUtcNow(), null, countAttempt: false));
        Assert.Equal(1, (await Store.GetAsync("j"))!.Attempts);
        Assert.Equal(2, (await Store.ClaimAsync("c", Kinds, Lease))!.Attempts);
        Assert.Contains(await Store.GetEventsAsync("j"), e => e.Event == "retry-scheduled" && e.Worker == "a");
        Assert.Contains(await Store.GetEventsAsync("j"), e => e.Event == "released" && e.Worker == "b");
    }

    [SkippableFact]
    public async Task Cancellation_is_seen_by_the_heartbeat_and_finished_jobs_can_be_requeued()
    {
        Skip.If(SkipReason is not null, SkipReason);
        await Store.EnqueueAsync(new NewJob("j", "test", "{}"));
        await Store.ClaimAsync("a", Kinds, Lease);
        Assert.True(await Store.RequestCancelAsync("j"));
        Assert.Equal(new JobHeartbeat(true, true), await Store.HeartbeatAsync("j", "a", Lease));
        Assert.Equal(new JobHeartbeat(true, true), await Store.UpdateProgressAsync("j", "a", "{}"));
        Assert.True(await Store.FinishAsync("j", "a", JobStatus.Cancelled, "cancelled by the user"));
        Assert.False(await Store.RequestCancelAsync("j"));
        Assert.False(await Store.RequestCancelAsync("missing"));

        Assert.True(await Store.RequeueAsync("j"));
        Assert.False(await Store.RequeueAsync("j"));
        var again = (await Store.GetAsync("j"))!;
        Assert.Equal(JobStatus.Queued, again.Status);
        Assert.False(again.CancelRequested);
        Assert.Equal(0, again.Attempts);
        Assert.Null(again.FinishedAt);
        Assert.Equal(1, (await Store.ClaimAsync("b", Kinds, Lease))!.Attempts);
    }

    [SkippableFact]
    public async Task Checkpoints_are_first_write_wins_and_computations_are_counted()
    {
        Skip.If(SkipReason is not null, SkipReason);
        await Store.EnqueueAsync(new NewJob("j", "test", "{}"));
        Assert.Equal(1, await Store.BeginItemAsync("j", 1, "a"));
        Assert.Equal(1, await Store.BeginItemAsync("j", 2, "a"));
        Assert.Equal(1, await Store.BeginItemAsync("j", 3, "a"));
        Assert.True(await Store.SaveCheckpointAsync(new JobCheckpoint("j", 1, true, "one", "a")));
        Assert.True(await Store.SaveCheckpointAsync(new JobCheckpoint("j", 3, false, "three failed", "a")));

        // The job is resumed elsewhere: item 2 (in flight) is started again; a duplicate write of item 1 is ignored.
        Assert.Equal(2, await Store.BeginItemAsync("j", 2, "b"));
        Assert.True(await Store.SaveCheckpointAsync(new JobCheckpoint("j", 2, true, "two", "b")));
        Assert.False(await Store.SaveCheckpointAsync(new JobCheckpoint("j", 1, true, "one again", "b")));

        var checkpoints = await Store.GetCheckpointsAsync("j");
        Assert.Equal([1L, 2L, 3L], checkpoints.Select(c => c.Item));
        Assert.Equal(["one", "two", "three failed"], checkpoints.Select(c => c.Result));
        Assert.Equal([true, true, false], checkpoints.Select(c => c.Succeeded));
        var items = await Store.GetItemsAsync("j");
        Assert.Equal([1, 2, 1], items.Select(i => i.Computations));
        Assert.Equal(["a", "b", "a"], items.Select(i => i.FinishedBy));

        Assert.Equal(1, await Store.DeleteCheckpointsAsync("j", failedOnly: true));
        Assert.Equal([1L, 2L], (await Store.GetCheckpointsAsync("j")).Select(c => c.Item));
        Assert.Null((await Store.GetItemsAsync("j"))[2].Succeeded);
        Assert.Equal(2, await Store.DeleteCheckpointsAsync("j", failedOnly: false));
        Assert.Empty(await Store.GetCheckpointsAsync("j"));
        Assert.Empty(await Store.GetCheckpointsAsync("other"));
    }

    [SkippableFact]
    public async Task Parts_are_first_write_wins_kept_until_their_item_is_checkpointed_and_counted_per_item()
    {
        Skip.If(SkipReason is not null, SkipReason);
        await Store.EnqueueAsync(new NewJob("p", "test", "{}"));
        Assert.Equal(1, await Store.BeginItemAsync("p", 1, "a"));
        Assert.Equal(1, await Store.BeginItemAsync("p", 2, "a"));
        Assert.True(await Store.SavePartialAsync(new JobPartial("p", 1, 0, "1.0", "a")));
        Assert.True(await Store.SavePartialAsync(new JobPartial("p", 1, 2, "1.2", "a")));
        Assert.True(await Store.SavePartialAsync(new JobPartial("p", 2, 1, "2.1", "a")));

        // Taken over elsewhere: a part computed again is not stored twice; the first answer stays.
        Assert.False(await Store.SavePartialAsync(new JobPartial("p", 1, 0, "1.0 again", "b")));
        var parts = await Store.GetPartialsAsync("p");
        Assert.Equal([(1L, 0), (1L, 2), (2L, 1)], parts.Select(x => (x.Item, x.Part)));
        Assert.Equal(["1.0", "1.2", "2.1"], parts.Select(x => x.Result));
        Assert.Equal("a", parts[0].Worker);
        Assert.Equal([2, 1], (await Store.GetItemsAsync("p")).Select(i => i.Parts));

        // A finished item drops its parts; the other item's stay (also through a failed-only reset).
        Assert.True(await Store.SaveCheckpointAsync(new JobCheckpoint("p", 1, true, "one", "b")));
        Assert.Equal([2L], (await Store.GetPartialsAsync("p")).Select(x => x.Item));
        Assert.Equal([0, 1], (await Store.GetItemsAsync("p")).Select(i => i.Parts));
        Assert.False(await Store.SavePartialAsync(new JobPartial("p", 1, 1, "1.1 too late", "a")));
        Assert.Equal([2L], (await Store.GetPartialsAsync("p")).Select(x => x.Item));
        await Store.DeleteCheckpointsAsync("p", failedOnly: true);
        Assert.Single(await Store.GetPartialsAsync("p"));
        Assert.Empty(await Store.GetPartialsAsync("other"));

        // A full reset re-runs everything: no parts are kept.
        await Store.DeleteCheckpointsAsync("p", failedOnly: false);
        Assert.Empty(await Store.GetPartialsAsync("p"));
    }

    [SkippableFact]
    public async Task List_is_newest_first_with_filters_and_paging()
    {
        Skip.If(SkipReason is not null, SkipReason);
        for (var i = 0; i < 5; i++)
        {
            await Store.EnqueueAsync(new NewJob($"j{i}", i % 2 == 0 ? "even" : "odd", "{}"));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await Store.ClaimAsync("w", ["even"], Lease);
        Assert.Equal(["j4", "j3", "j2", "j1", "j0"], (await Store.ListAsync(new JobQuery(Limit: 10))).Select(j => j.Id));
        Assert.Equal(["j4", "j2", "j0"], (await Store.ListAsync(new JobQuery(Kind: "even"))).Select(j => j.Id));
        Assert.Equal(["j0"], (await Store.ListAsync(new JobQuery(Status: JobStatus.Running))).Select(j => j.Id));
        var page1 = await Store.ListAsync(new JobQuery(Limit: 2));
        var page2 = await Store.ListAsync(new JobQuery(After: page1[^1].Id, Limit: 2));
        Assert.Equal(["j4", "j3"], page1.Select(j => j.Id));
        Assert.Equal(["j2", "j1"], page2.Select(j => j.Id));
    }
}

public sealed class SqliteJobStoreTests : JobStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new("expertrouter-jobs");

    protected override string? SkipReason => null;

    protected override Task<StorageOptions> CreateIsolatedOptionsAsync() => Task.FromResult(new StorageOptions { DataDirectory = _directory.Path });

    public void Dispose() => _directory.Dispose();
}

[Collection(PostgresFixture.Collection)]
public sealed class PostgresJobStoreTests(PostgresFixture fixture) : JobStoreContractTests
{
    protected override string? SkipReason => fixture.UnavailableReason;

    protected override async Task<StorageOptions> CreateIsolatedOptionsAsync() =>
        new() { Provider = StorageProvider.Postgres, ConnectionString = await fixture.Server!.CreateSchemaAsync() };
}
