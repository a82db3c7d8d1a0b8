using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// The in-process vector store: exact cosine search with SIMD dot products over unit vectors (normalised on
/// insert), payload filters through an inverted index, many concurrent readers and one writer per collection, and
/// persistence to one checksummed binary file per collection (written atomically, shortly after each change).
/// Collections are loaded when the store is created; a damaged file does not stop the others from loading, and
/// operations on its collection fail with <see cref="VectorStoreErrorKind.Corrupt"/> naming the file until the
/// collection is deleted.
/// </summary>
public sealed partial class EmbeddedVectorStore : IVectorStore, IDisposable
{
    private const int ScrollPageSize = 256;

    private readonly ConcurrentDictionary<string, EmbeddedCollection> _collections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, VectorStoreException> _broken = new(StringComparer.Ordinal);
    private readonly Lock _structureLock = new();
    private readonly Lock _fileLock = new();
    private readonly EmbeddedVectorStoreOptions _options;
    private readonly string? _directory;
    private readonly ILogger _logger;
    private readonly Timer? _flushTimer;
    private int _flushScheduled;
    private volatile bool _disposed;

    /// <summary>Creates the store and loads every collection file found in <see cref="EmbeddedVectorStoreOptions.Directory"/>.</summary>
    /// <param name="options">Settings; null = in memory only.</param>
    /// <param name="logger">Receives load, corruption and write-failure messages.</param>
    public EmbeddedVectorStore(EmbeddedVectorStoreOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? new EmbeddedVectorStoreOptions();
        _logger = logger ?? NullLogger.Instance;
        if (_options.Directory is { Length: > 0 } directory)
        {
            _directory = Path.GetFullPath(directory);
            Directory.CreateDirectory(_directory);
            _flushTimer = new Timer(OnFlushTimer, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Load();
        }
    }

    /// <summary>Collections that failed to load, with the reason (their files are left untouched).</summary>
    public IReadOnlyDictionary<string, string> LoadErrors => _broken.ToDictionary(p => p.Key, p => p.Value.Message, StringComparer.Ordinal);

    /// <inheritdoc />
    public string Describe() => _directory is null ? "embedded (in memory)" : $"embedded ({_directory})";

    /// <inheritdoc />
    public Task EnsureCollectionAsync(string collection, int dimensions, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        VectorValidation.Dimensions(dimensions);
        ThrowIfDisposed();
        lock (_structureLock)
        {
            ThrowIfBroken(collection);
            if (_collections.TryGetValue(collection, out var existing))
            {
                return existing.Dimensions == dimensions
                    ? Task.CompletedTask
                    : throw VectorValidation.WrongDimension(collection, existing.Dimensions, dimensions);
            }

            _collections[collection] = new EmbeddedCollection(collection, dimensions) { Version = 1 };
        }

        ScheduleFlush();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<VectorCollectionInfo?> GetCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        ThrowIfDisposed();
        ThrowIfBroken(collection);
        if (!_collections.TryGetValue(collection, out var c))
        {
            return Task.FromResult<VectorCollectionInfo?>(null);
        }

        c.Lock.EnterReadLock();
        try
        {
            return Task.FromResult(c.Deleted ? null : new VectorCollectionInfo(collection, c.Dimensions, c.Count));
        }
        finally
        {
            c.Lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        ThrowIfDisposed();
        var existed = false;
        lock (_structureLock)
        {
            if (_collections.TryRemove(collection, out var c))
            {
                c.Lock.EnterWriteLock();
                c.Deleted = true;
                c.Lock.ExitWriteLock();
                existed = true;
            }

            existed |= _broken.TryRemove(collection, out _);
            if (_directory is not null)
            {
                lock (_fileLock)
                {
                    var path = PathOf(collection);
                    if (File.Exists(path))
                    {
                        File.Delete(path);
                    }
                }
            }
        }

        return Task.FromResult(existed);
    }

    /// <inheritdoc />
    public Task UpsertAsync(string collection, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        var c = Get(collection);
        var valid = VectorValidation.Points(points, c.Dimensions);
        if (valid.Count == 0)
        {
            return Task.CompletedTask;
        }

        var norms = new float[valid.Count];
        var payloads = new IReadOnlyDictionary<string, string>[valid.Count];
        for (var i = 0; i < valid.Count; i++)
        {
            norms[i] = TensorPrimitives.Norm<float>(valid[i].Vector);
            payloads[i] = VectorValidation.CopyPayload(valid[i].Payload);
        }

        cancellationToken.ThrowIfCancellationRequested();
        Write(c, collection, () =>
        {
            for (var i = 0; i < valid.Count; i++)
            {
                c.Upsert(valid[i].Id, valid[i].Vector, norms[i], payloads[i]);
            }

            return true;
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string collection, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        var c = Get(collection);
        VectorValidation.Ids(ids);
        cancellationToken.ThrowIfCancellationRequested();
        Write(c, collection, () =>
        {
            var removed = false;
            foreach (var id in ids)
            {
                removed |= c.Remove(id);
            }

            return removed;
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteWhereAsync(string collection, VectorFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var c = Get(collection);
        cancellationToken.ThrowIfCancellationRequested();
        Write(c, collection, () => c.RemoveWhere(filter) > 0);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<VectorSearchResult>> SearchAsync(string collection, ReadOnlyMemory<float> query, int limit, VectorFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var c = Get(collection);
        VectorValidation.Limit(limit);
        var norm = VectorValidation.Vector(query.Span, c.Dimensions, "The query vector");
        var unit = new float[c.Dimensions];
        TensorPrimitives.Divide(query.Span, norm, unit);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<VectorSearchResult> results = Read(c, collection, () => c.Search(unit, limit, filter));
        return Task.FromResult(results);
    }

    /// <inheritdoc />
    public Task<long> CountAsync(string collection, VectorFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var c = Get(collection);
        return Task.FromResult((long)Read(c, collection, () => c.CountMatching(filter)));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<VectorPoint> ScrollAsync(string collection, VectorFilter? filter = null, bool withVectors = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var c = Get(collection);
        var ids = Read(c, collection, () => c.MatchingIds(filter));
        for (var start = 0; start < ids.Length; start += ScrollPageSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(ids.Length, start + ScrollPageSize);
            var page = Read(c, collection, () =>
            {
                var list = new List<VectorPoint>(end - start);
                for (var i = start; i < end; i++)
                {
                    if (c.TryGet(ids[i], filter, withVectors) is { } point)
                    {
                        list.Add(point);
                    }
                }

                return list;
            });

            foreach (var point in page)
            {
                yield return point;
            }

            await Task.Yield();
        }
    }

    /// <summary>Writes every changed collection now (instead of waiting for <see cref="EmbeddedVectorStoreOptions.FlushDelay"/>).</summary>
    /// <exception cref="VectorStoreException"><see cref="VectorStoreErrorKind.Failed"/> when a file could not be written.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        FlushDirty(throwOnError: true);
        return Task.CompletedTask;
    }

    /// <summary>Writes what is pending and releases the store.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _flushTimer?.Dispose();
        lock (_fileLock)
        {
            FlushDirty(throwOnError: false);
            foreach (var c in _collections.Values)
            {
                try
                {
                    c.Dispose();
                }
                catch (SynchronizationLockException)
                {
                    // A call still running on it; the lock is garbage once it returns.
                }
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private string PathOf(string collection) => Path.Combine(_directory!, collection + CollectionFile.Extension);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfBroken(string collection)
    {
        if (_broken.TryGetValue(collection, out var e))
        {
            throw new VectorStoreException(e.Kind, e.Message, e.InnerException);
        }
    }

    private EmbeddedCollection Get(string collection)
    {
        VectorValidation.CollectionName(collection);
        ThrowIfDisposed();
        if (_collections.TryGetValue(collection, out var c))
        {
            return c;
        }

        ThrowIfBroken(collection);
        throw VectorValidation.Unknown(collection);
    }

    private static T Read<T>(EmbeddedCollection c, string collection, Func<T> read)
    {
        c.Lock.EnterReadLock();
        try
        {
            return c.Deleted ? throw VectorValidation.Unknown(collection) : read();
        }
        finally
        {
            c.Lock.ExitReadLock();
        }
    }

    private void Write(EmbeddedCollection c, string collection, Func<bool> change)
    {
        bool changed;
        c.Lock.EnterWriteLock();
        try
        {
            if (c.Deleted)
            {
                throw VectorValidation.Unknown(collection);
            }

            changed = change();
            if (changed)
            {
                c.Version++;
            }
        }
        finally
        {
            c.Lock.ExitWriteLock();
        }

        if (changed)
        {
            ScheduleFlush();
        }
    }

    private void Load()
    {
        foreach (var stale in Directory.EnumerateFiles(_directory!, "*" + CollectionFile.Extension + CollectionFile.TempMarker + "*"))
        {
            CollectionFile.TryDelete(stale);
        }

        foreach (var path in Directory.EnumerateFiles(_directory!, "*" + CollectionFile.Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            try
            {
                VectorValidation.CollectionName(name);
            }
            catch (VectorStoreException)
            {
                LogSkippedFile(_logger, path);
                continue;
            }

            try
            {
                var c = CollectionFile.Read(path);
                if (c.Name != name)
                {
                    c.Dispose();
                    throw new VectorStoreException(VectorStoreErrorKind.Corrupt,
                        $"Vector collection file '{path}' is corrupt: it holds collection '{c.Name}', not '{name}'. Delete the collection (or move the file away) to start it afresh.");
                }

                c.PersistedVersion = c.Version;
                _collections[name] = c;
                LogLoaded(_logger, name, c.Count, c.Dimensions, path);
            }
            catch (VectorStoreException e)
            {
                _broken[name] = e;
                LogLoadFailed(_logger, name, e.Message);
            }
        }
    }

    private void ScheduleFlush()
    {
        if (_directory is null)
        {
            return;
        }

        if (_options.FlushDelay <= TimeSpan.Zero)
        {
            FlushDirty(throwOnError: true);
            return;
        }

        if (Interlocked.Exchange(ref _flushScheduled, 1) == 0)
        {
            try
            {
                _flushTimer!.Change(_options.FlushDelay, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Disposing: Dispose writes what is pending.
            }
        }
    }

    private void OnFlushTimer(object? state)
    {
        Volatile.Write(ref _flushScheduled, 0);
        if (!FlushDirty(throwOnError: false) && !_disposed)
        {
            // Try again later (full disk, permissions...); every failure is logged.
            if (Interlocked.Exchange(ref _flushScheduled, 1) == 0)
            {
                try
                {
                    _flushTimer!.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
    }

    /// <summary>Writes every collection changed since its last write; false when some write failed.</summary>
    private bool FlushDirty(bool throwOnError)
    {
        if (_directory is null)
        {
            return true;
        }

        List<Exception>? errors = null;
        lock (_fileLock)
        {
            foreach (var c in _collections.Values)
            {
                var path = PathOf(c.Name);
                try
                {
                    c.Lock.EnterReadLock();
                }
                catch (ObjectDisposedException)
                {
                    continue;
                }

                try
                {
                    if (c.Deleted || c.Version == c.PersistedVersion)
                    {
                        continue;
                    }

                    CollectionFile.Write(path, c);
                    c.PersistedVersion = c.Version;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    LogWriteFailed(_logger, c.Name, path, e);
                    (errors ??= []).Add(new VectorStoreException(VectorStoreErrorKind.Failed, $"Vector collection '{c.Name}' could not be written to '{path}': {e.Message}", e));
                }
                finally
                {
                    c.Lock.ExitReadLock();
                }
            }
        }

        if (errors is not null && throwOnError)
        {
            throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
        }

        return errors is null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Vector collection '{Collection}' loaded: {Count} points of {Dimensions} dimensions from {Path}")]
    private static partial void LogLoaded(ILogger logger, string collection, int count, int dimensions, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Vector collection '{Collection}' could not be loaded: {Reason}")]
    private static partial void LogLoadFailed(ILogger logger, string collection, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring {Path}: its name is not a valid collection name")]
    private static partial void LogSkippedFile(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Vector collection '{Collection}' could not be written to {Path}")]
    private static partial void LogWriteFailed(ILogger logger, string collection, string path, Exception exception);
}
