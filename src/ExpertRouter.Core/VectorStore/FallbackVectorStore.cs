using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// Serves from a primary store (Qdrant) and switches, once and for the rest of the process, to a fallback store
/// (the embedded index) when the primary is unreachable: at the first use (a probe), or when any call fails with
/// <see cref="VectorStoreErrorKind.Unavailable"/> (that call is then retried on the fallback). Collections ensured
/// before the switch are ensured on the fallback too. The two stores do not share data: after a switch, searches
/// see what the fallback holds. <see cref="Describe"/> says which one is active.
/// </summary>
public sealed partial class FallbackVectorStore : IVectorStore
{
    private const string ProbeCollection = "expertrouter-probe";

    private readonly IVectorStore _primary;
    private readonly Func<IVectorStore> _fallbackFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, int> _ensured = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _switchGate = new(1, 1);
    private Task? _probe;
    private volatile IVectorStore? _fallback;
    private string? _reason;

    /// <summary>Creates the store; nothing is contacted until <see cref="ProbeAsync"/> or the first call.</summary>
    /// <param name="primary">The preferred store; disposed with this one.</param>
    /// <param name="fallbackFactory">Creates the fallback store when it is first needed; disposed with this one.</param>
    /// <param name="logger">Receives the switch warning.</param>
    public FallbackVectorStore(IVectorStore primary, Func<IVectorStore> fallbackFactory, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(fallbackFactory);
        _primary = primary;
        _fallbackFactory = fallbackFactory;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Whether calls are now served by the fallback store.</summary>
    public bool IsUsingFallback => _fallback is not null;

    /// <summary>The active store.</summary>
    public IVectorStore Active => _fallback ?? _primary;

    /// <inheritdoc />
    public string Describe() => _fallback is { } fallback
        ? $"{fallback.Describe()} (fallback: {_primary.Describe()} unavailable: {_reason})"
        : _primary.Describe();

    /// <summary>
    /// Checks once that the primary answers (a cheap collection lookup) and switches to the fallback if it is
    /// unavailable. Called by the first operation; call it at start-up to decide (and log) right away. Other
    /// failures (a refused API key) are logged and left to the calls themselves.
    /// </summary>
    public Task ProbeAsync(CancellationToken cancellationToken = default) =>
        LazyInitializer.EnsureInitialized(ref _probe, ProbeCoreAsync).WaitAsync(cancellationToken);

    /// <inheritdoc />
    public async Task EnsureCollectionAsync(string collection, int dimensions, CancellationToken cancellationToken = default)
    {
        await RunAsync(s => s.EnsureCollectionAsync(collection, dimensions, cancellationToken), cancellationToken).ConfigureAwait(false);
        _ensured[collection] = dimensions;
    }

    /// <inheritdoc />
    public Task<VectorCollectionInfo?> GetCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        RunAsync(s => s.GetCollectionAsync(collection, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public async Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        _ensured.TryRemove(collection, out _);
        return await RunAsync(s => s.DeleteCollectionAsync(collection, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task UpsertAsync(string collection, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default) =>
        RunAsync(s => s.UpsertAsync(collection, points, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task DeleteAsync(string collection, IReadOnlyList<string> ids, CancellationToken cancellationToken = default) =>
        RunAsync(s => s.DeleteAsync(collection, ids, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task DeleteWhereAsync(string collection, VectorFilter filter, CancellationToken cancellationToken = default) =>
        RunAsync(s => s.DeleteWhereAsync(collection, filter, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<VectorSearchResult>> SearchAsync(string collection, ReadOnlyMemory<float> query, int limit, VectorFilter? filter = null, CancellationToken cancellationToken = default) =>
        RunAsync(s => s.SearchAsync(collection, query, limit, filter, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<long> CountAsync(string collection, VectorFilter? filter = null, CancellationToken cancellationToken = default) =>
        RunAsync(s => s.CountAsync(collection, filter, cancellationToken), cancellationToken);

    /// <inheritdoc />
    /// <remarks>A switch is only made before the first point is returned; a failure later in the enumeration propagates.</remarks>
    public async IAsyncEnumerable<VectorPoint> ScrollAsync(string collection, VectorFilter? filter = null, bool withVectors = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await ProbeAsync(cancellationToken).ConfigureAwait(false);
        var store = Active;
        var switched = false;
        if (store == _primary)
        {
            var enumerator = _primary.ScrollAsync(collection, filter, withVectors, cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using (enumerator.ConfigureAwait(false))
            {
                var first = true;
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (VectorStoreException e) when (e.Kind == VectorStoreErrorKind.Unavailable && first)
                    {
                        await SwitchAsync(e.Message, cancellationToken).ConfigureAwait(false);
                        switched = true;
                        break;
                    }

                    if (!more)
                    {
                        yield break;
                    }

                    first = false;
                    yield return enumerator.Current;
                }
            }
        }

        if (switched || store != _primary)
        {
            await foreach (var point in Active.ScrollAsync(collection, filter, withVectors, cancellationToken).ConfigureAwait(false))
            {
                yield return point;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _primary.DisposeAsync().ConfigureAwait(false);
        if (_fallback is { } fallback)
        {
            await fallback.DisposeAsync().ConfigureAwait(false);
        }

        _switchGate.Dispose();
    }

    private async Task ProbeCoreAsync()
    {
        try
        {
            await _primary.GetCollectionAsync(ProbeCollection, CancellationToken.None).ConfigureAwait(false);
        }
        catch (VectorStoreException e) when (e.Kind == VectorStoreErrorKind.Unavailable)
        {
            await SwitchAsync(e.Message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (VectorStoreException e)
        {
            LogProbeFailed(_logger, _primary.Describe(), e.Message);
        }
    }

    private async Task RunAsync(Func<IVectorStore, Task> call, CancellationToken cancellationToken) =>
        await RunAsync<bool>(async s =>
        {
            await call(s).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    private async Task<T> RunAsync<T>(Func<IVectorStore, Task<T>> call, CancellationToken cancellationToken)
    {
        await ProbeAsync(cancellationToken).ConfigureAwait(false);
        if (_fallback is { } fallback)
        {
            return await call(fallback).ConfigureAwait(false);
        }

        try
        {
            return await call(_primary).ConfigureAwait(false);
        }
        catch (VectorStoreException e) when (e.Kind == VectorStoreErrorKind.Unavailable)
        {
            await SwitchAsync(e.Message, cancellationToken).ConfigureAwait(false);
            return await call(_fallback!).ConfigureAwait(false);
        }
    }

    private async Task SwitchAsync(string reason, CancellationToken cancellationToken)
    {
        await _switchGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_fallback is not null)
            {
                return;
            }

            var fallback = _fallbackFactory();
            foreach (var (name, dimensions) in _ensured)
            {
                try
                {
                    await fallback.EnsureCollectionAsync(name, dimensions, cancellationToken).ConfigureAwait(false);
                }
                catch (VectorStoreException e)
                {
                    LogEnsureFailed(_logger, name, e.Message);
                }
            }

            _reason = reason;
            _fallback = fallback;
            LogSwitched(_logger, _primary.Describe(), fallback.Describe(), reason);
        }
        finally
        {
            _switchGate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vector store {Primary} is unavailable, using {Fallback} instead until restart: {Reason}")]
    private static partial void LogSwitched(ILogger logger, string primary, string fallback, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Vector store {Primary} answered the start-up probe with an error (staying with it): {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string primary, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fallback vector store: collection '{Collection}' could not be ensured: {Reason}")]
    private static partial void LogEnsureFailed(ILogger logger, string collection, string reason);
}
