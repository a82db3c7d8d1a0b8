using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Hosting;

namespace ExpertRouter.LlamaCpp.Tests.Engine;

[Collection(LlamaGroup.Name)]
public sealed class ModelManagerTests(LlamaFixture fixture)
{
    private static readonly LlamaModelOptions Small = new() { ContextSize = 128, MaxSequences = 2 };

    private ModelSpec Spec(string key, bool pinned = false) => new(key, fixture.TinyQ8Path, Small, pinned);

    private long OneModel() => LlamaModelManager.Estimate(Spec("x"));

    [Fact]
    public async Task ConcurrentRequestsForAColdModel_WaitOnOneLoad()
    {
        await using var manager = new LlamaModelManager(new ModelManagerOptions { MemoryBudgetBytes = OneModel() * 4 });
        var leases = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => manager.AcquireAsync(Spec("a"))));
        Assert.Single(leases.Select(l => l.Model).Distinct());
        Assert.Equal(1, manager.GetStatus("a")!.Loads);
        Assert.Equal(6, manager.GetStatus("a")!.ActiveLeases);
        foreach (var l in leases)
        {
            l.Dispose();
        }

        Assert.Equal("idle", manager.GetStatus("a")!.DisplayState);
    }

    [Fact]
    public async Task PinnedModels_AreNeverEvicted_TheLeastRecentlyUsedIdleOneIs()
    {
        await using var manager = new LlamaModelManager(new ModelManagerOptions { MemoryBudgetBytes = OneModel() * 5 / 2, IdleUnloadAfter = TimeSpan.Zero });
        (await manager.AcquireAsync(Spec("pinned", pinned: true))).Dispose();
        (await manager.AcquireAsync(Spec("b"))).Dispose();
        (await manager.AcquireAsync(Spec("c"))).Dispose(); // needs room: b goes, pinned stays
        Assert.Equal(ModelState.Resident, manager.GetStatus("pinned")!.State);
        Assert.Equal(ModelState.Unloaded, manager.GetStatus("b")!.State);
        Assert.Equal(1, manager.GetStatus("b")!.Evictions);
        Assert.True(manager.PeakReservedBytes <= manager.BudgetBytes);
        Assert.False(manager.Unload("pinned"));
        Assert.True(manager.Unload("pinned", evenIfPinned: true));
    }

    [Fact]
    public async Task IdleModels_UnloadAfterTheTtl_BusyOnesDoNot()
    {
        await using var manager = new LlamaModelManager(new ModelManagerOptions { MemoryBudgetBytes = OneModel() * 4, IdleUnloadAfter = TimeSpan.FromMilliseconds(300) });
        (await manager.AcquireAsync(Spec("idle"))).Dispose();
        using var busy = await manager.AcquireAsync(Spec("busy"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (manager.GetStatus("idle")!.State != ModelState.Unloaded && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(ModelState.Unloaded, manager.GetStatus("idle")!.State);
        Assert.Equal(ModelState.Resident, manager.GetStatus("busy")!.State);
        Assert.Equal(OneModel(), manager.ReservedBytes);
    }

    [Fact]
    public async Task FailedLoads_ReleaseTheirReservation_AndTooBigModelsAreRefused()
    {
        var bad = Path.Combine(fixture.Directory, "bad-header.gguf");
        var bytes = await File.ReadAllBytesAsync(fixture.TinyQ8Path);
        await File.WriteAllBytesAsync(bad, bytes[..64]);
        await using var manager = new LlamaModelManager(new ModelManagerOptions { MemoryBudgetBytes = OneModel() * 2 });
        await Assert.ThrowsAsync<GgufFormatException>(() => manager.AcquireAsync(new ModelSpec("bad", bad, Small)));
        Assert.Equal(0, manager.ReservedBytes);

        await using var tiny = new LlamaModelManager(new ModelManagerOptions { MemoryBudgetBytes = 1024 });
        var e = await Assert.ThrowsAsync<ModelBudgetExceededException>(() => tiny.AcquireAsync(Spec("a")));
        Assert.Contains("budget", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenOnlyBusyModelsHoldTheBudget_ARequestWaits_ThenLoads()
    {
        await using var manager = new LlamaModelManager(new ModelManagerOptions { MemoryBudgetBytes = OneModel() * 3 / 2, AdmissionTimeout = TimeSpan.FromSeconds(30) });
        var busy = await manager.AcquireAsync(Spec("busy"));
        var waiting = manager.AcquireAsync(Spec("next"));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        busy.Dispose(); // now idle: evictable
        using var next = await waiting;
        Assert.Equal(ModelState.Unloaded, manager.GetStatus("busy")!.State);
        Assert.True(manager.PeakReservedBytes <= manager.BudgetBytes);
    }
}
