using ExpertRouter.LlamaCpp.Gguf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.LlamaCpp.Hosting;

/// <summary>
/// Loads and unloads models within a memory budget. Admission reserves the GGUF estimate (weights +
/// KV cache + compute) before loading; when the budget is full the least recently used idle,
/// unpinned model is evicted, never one with an open lease (generating); if nothing can be evicted
/// the request waits until a busy model finishes. Concurrent requests for a cold model wait on one
/// load. Thread-safe.
/// </summary>
public sealed partial class LlamaModelManager : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ModelManagerOptions _options;
    private readonly ILogger _logger;
    private readonly Timer _idleTimer;
    private TaskCompletionSource _capacityChanged = NewSignal();
    private long _reserved;
    private long _peakReserved;
    private bool _disposed;

    public LlamaModelManager(ModelManagerOptions options, ILogger<LlamaModelManager>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _budget = new Lazy<long>(() => options.MemoryBudgetBytes > 0 ? options.MemoryBudgetBytes : DefaultBudget());
        var period = options.IdleUnloadAfter > TimeSpan.Zero
            ? TimeSpan.FromMilliseconds(Math.Clamp(options.IdleUnloadAfter.TotalMilliseconds / 4, 50, 30_000))
            : Timeout.InfiniteTimeSpan;
        _idleTimer = new Timer(_ => UnloadIdle(), null, period, period);
    }

    private readonly Lazy<long> _budget;

    /// <summary>The budget: configured, else (decided once llama.cpp is up) 90% of GPU memory on GPU hosts, 75% of RAM otherwise.</summary>
    public long BudgetBytes => _budget.Value;

    /// <summary>Bytes reserved by loading and resident models now.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reserved);

    /// <summary>The most ever reserved at once; never above <see cref="BudgetBytes"/>.</summary>
    public long PeakReservedBytes => Interlocked.Read(ref _peakReserved);

    /// <summary>Estimated bytes a spec needs (reads the GGUF header).</summary>
    public static long Estimate(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Options.EstimateMemory(GgufModelInfo.Read(spec.Path));
    }

    /// <summary>
    /// Returns a lease on the loaded model, loading it first if needed. <paramref name="progress"/>
    /// hears about waiting and loading (for streaming clients).
    /// </summary>
    /// <exception cref="ModelBudgetExceededException">The model can never fit, or memory did not free up in time.</exception>
    /// <exception cref="GgufFormatException">The file is not a valid model.</exception>
    /// <exception cref="ModelLoadException">llama.cpp refused it.</exception>
    public async Task<ModelLease> AcquireAsync(ModelSpec spec, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var deadline = DateTime.UtcNow + _options.AdmissionTimeout;
        long? estimate = null;
        var waitedForLoad = false;
        while (true)
        {
            Task? wait;
            List<LlamaModel>? evicted = null;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var entry = GetEntry(spec);
                switch (entry.State)
                {
                    case ModelState.Resident:
                        entry.Leases++;
                        entry.LastUsed = DateTimeOffset.UtcNow;
                        return new ModelLease(spec.Key, entry.Model!, waitedForLoad, () => Release(entry));
                    case ModelState.Loading:
                        wait = entry.LoadTask;
                        break;
                    default:
                        if (estimate is null)
                        {
                            wait = null;
                            break;
                        }

                        if (estimate > BudgetBytes)
                        {
                            throw new ModelBudgetExceededException(
                                $"Model '{spec.Key}' needs about {Format(estimate.Value)} but the memory budget is {Format(BudgetBytes)}. Lower its context size or sequences, or raise the budget.");
                        }

                        evicted = EvictFor(estimate.Value);
                        if (_reserved + estimate.Value <= BudgetBytes)
                        {
                            StartLoad(entry, estimate.Value);
                            wait = entry.LoadTask;
                            progress?.Report($"loading {spec.Key}");
                        }
                        else
                        {
                            wait = _capacityChanged.Task;
                            progress?.Report($"waiting for memory to load {spec.Key} ({Format(estimate.Value)} needed, {Format(BudgetBytes - _reserved)} free, busy models hold the rest)");
                        }

                        break;
                }
            }

            DisposeAll(evicted);
            if (wait is null)
            {
                estimate = Estimate(spec); // outside the lock: reads the file header
                continue;
            }

            waitedForLoad = true;
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new ModelBudgetExceededException(
                    $"Model '{spec.Key}' could not be loaded within {_options.AdmissionTimeout.TotalSeconds:F0} s: the memory budget ({Format(BudgetBytes)}) is held by busy models.");
            }

            try
            {
                await wait.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Loop once more: the deadline check above produces the error.
            }
        }
    }

    /// <summary>Unloads a model now. False when it is busy (open leases) or pinned and not forced.</summary>
    public bool Unload(string key, bool evenIfPinned = false)
    {
        LlamaModel? model;
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.State != ModelState.Resident)
            {
                return entry is null || entry.State != ModelState.Loading;
            }

            if (entry.Leases > 0 || (entry.Spec.Pinned && !evenIfPinned))
            {
                return false;
            }

            model = Detach(entry);
        }

        DisposeAll([model]);
        return true;
    }

    /// <summary>Forgets a key (after it was unloaded); a later acquire starts fresh.</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var e) && e.State is ModelState.Unloaded or ModelState.Failed)
            {
                _entries.Remove(key);
            }
        }
    }

    public ModelStatus? GetStatus(string key)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out var e) ? Status(e) : null;
        }
    }

    public IReadOnlyList<ModelStatus> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries.Values.Select(Status).OrderBy(s => s.Key, StringComparer.Ordinal)];
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<LlamaModel> models;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            models = [.. _entries.Values.Where(e => e.Model is not null).Select(e => e.Model!)];
        }

        await _idleTimer.DisposeAsync().ConfigureAwait(false);
        DisposeAll(models);
    }

    private Entry GetEntry(ModelSpec spec)
    {
        if (!_entries.TryGetValue(spec.Key, out var entry))
        {
            entry = new Entry(spec);
            _entries[spec.Key] = entry;
        }
        else if (entry.State is ModelState.Unloaded or ModelState.Failed)
        {
            entry.Spec = spec; // the registry may have changed the definition since
        }

        return entry;
    }

    private void StartLoad(Entry entry, long estimate)
    {
        entry.State = ModelState.Loading;
        entry.Reserved = estimate;
        entry.Error = null;
        _reserved += estimate;
        _peakReserved = Math.Max(_peakReserved, _reserved);
        var spec = entry.Spec;
        LogLoading(_logger, spec.Key, spec.Path, estimate, _reserved, BudgetBytes);
        entry.LoadTask = Task.Run(async () =>
        {
            try
            {
                var model = await LlamaModel.LoadAsync(spec.Path, spec.Options).ConfigureAwait(false);
                lock (_gate)
                {
                    if (_disposed)
                    {
                        model.Dispose();
                        return;
                    }

                    entry.Model = model;
                    entry.State = ModelState.Resident;
                    entry.Loads++;
                    entry.LastUsed = DateTimeOffset.UtcNow;
                }

                LogLoaded(_logger, spec.Key, model.LoadTime.TotalMilliseconds, model.ContextCreateTime.TotalMilliseconds);
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    entry.State = ModelState.Failed;
                    entry.Error = e.Message;
                    _reserved -= entry.Reserved;
                    entry.Reserved = 0;
                    Signal();
                }

                LogLoadFailed(_logger, spec.Key, e.Message);
                throw;
            }
        });
    }

    /// <summary>Evicts least recently used idle, unpinned models until <paramref name="needed"/> fits. Caller holds the lock.</summary>
    private List<LlamaModel>? EvictFor(long needed)
    {
        List<LlamaModel>? evicted = null;
        while (_reserved + needed > BudgetBytes)
        {
            var victim = _entries.Values
                .Where(e => e.State == ModelState.Resident && e.Leases == 0 && !e.Spec.Pinned)
                .OrderBy(e => e.LastUsed)
                .FirstOrDefault();
            if (victim is null)
            {
                break;
            }

            victim.Evictions++;
            LogEvicted(_logger, victim.Spec.Key, victim.Reserved);
            (evicted ??= []).Add(Detach(victim));
        }

        return evicted;
    }

    private LlamaModel Detach(Entry entry)
    {
        var model = entry.Model!;
        entry.Model = null;
        entry.State = ModelState.Unloaded;
        _reserved -= entry.Reserved;
        entry.Reserved = 0;
        Signal();
        return model;
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Leases--;
            entry.LastUsed = DateTimeOffset.UtcNow;
            Signal();
        }
    }

    private void UnloadIdle()
    {
        if (_options.IdleUnloadAfter <= TimeSpan.Zero)
        {
            return;
        }

        List<LlamaModel>? idle = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var cutoff = DateTimeOffset.UtcNow - _options.IdleUnloadAfter;
            foreach (var e in _entries.Values.Where(e => e.State == ModelState.Resident && e.Leases == 0 && !e.Spec.Pinned && e.LastUsed < cutoff).ToList())
            {
                LogIdleUnload(_logger, e.Spec.Key);
                (idle ??= []).Add(Detach(e));
            }
        }

        DisposeAll(idle);
    }

    /// <summary>Wakes everyone waiting for capacity. Caller holds the lock.</summary>
    private void Signal()
    {
        var old = _capacityChanged;
        _capacityChanged = NewSignal();
        old.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void DisposeAll(List<LlamaModel>? models)
    {
        if (models is null)
        {
            return;
        }

        foreach (var m in models)
        {
            m.Dispose();
        }
    }

    private static ModelStatus Status(Entry e) => new(
        e.Spec.Key, e.State, e.Spec.Pinned, e.Leases, e.Reserved, e.LastUsed == DateTimeOffset.MinValue ? null : e.LastUsed,
        e.Loads, e.Evictions, e.Error, e.Model?.Stats);

    private static long DefaultBudget()
    {
        if (LlamaRuntime.IsInitialized && LlamaRuntime.Info.HasGpu)
        {
            var gpu = LlamaRuntime.Info.Devices
                .Where(d => d.Type is Native.GgmlBackendDevType.GGML_BACKEND_DEVICE_TYPE_GPU or Native.GgmlBackendDevType.GGML_BACKEND_DEVICE_TYPE_IGPU)
                .Sum(d => (double)d.TotalBytes);
            if (gpu > 0)
            {
                return (long)(gpu * 0.9);
            }
        }

        return (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.75);
    }

    internal static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        _ => $"{bytes / 1024.0:F0} KiB",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model {Key} from {Path} (estimate {EstimateBytes} bytes; reserved {ReservedBytes} of {BudgetBytes})")]
    private static partial void LogLoading(ILogger logger, string key, string path, long estimateBytes, long reservedBytes, long budgetBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Key} resident (load {LoadMs:F0} ms, context {ContextMs:F0} ms)")]
    private static partial void LogLoaded(ILogger logger, string key, double loadMs, double contextMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Key} failed to load: {Error}")]
    private static partial void LogLoadFailed(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evicting idle model {Key} ({Bytes} bytes) to make room")]
    private static partial void LogEvicted(ILogger logger, string key, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unloading model {Key}: idle for longer than the idle TTL")]
    private static partial void LogIdleUnload(ILogger logger, string key);

    private sealed class Entry(ModelSpec spec)
    {
        public ModelSpec Spec { get; set; } = spec;

        public ModelState State { get; set; } = ModelState.Unloaded;

        public LlamaModel? Model { get; set; }

        public Task? LoadTask { get; set; }

        public int Leases { get; set; }

        public long Reserved { get; set; }

        public DateTimeOffset LastUsed { get; set; } = DateTimeOffset.MinValue;

        public int Loads { get; set; }

        public int Evictions { get; set; }

        public string? Error { get; set; }
    }
}
