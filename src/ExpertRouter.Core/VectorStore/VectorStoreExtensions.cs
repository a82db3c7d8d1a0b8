namespace ExpertRouter.Core.VectorStore;

/// <summary>Conveniences over <see cref="IVectorStore"/>.</summary>
public static class VectorStoreExtensions
{
    /// <summary>
    /// The call's result, or <paramref name="missing"/> when its collection does not exist yet
    /// (<see cref="VectorStoreErrorKind.UnknownCollection"/>): one request instead of an existence check first.
    /// </summary>
    /// <remarks>A delegate, because a store may throw before it returns its task.</remarks>
    public static async Task<T> OrWhenMissingAsync<T>(this IVectorStore store, Func<IVectorStore, Task<T>> call, T missing)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call(store).ConfigureAwait(false);
        }
        catch (VectorStoreException e) when (e.Kind == VectorStoreErrorKind.UnknownCollection)
        {
            return missing;
        }
    }

    /// <summary>The points matching <paramref name="filter"/>, sorted by id (ordinal), at most <paramref name="max"/> of them.</summary>
    /// <exception cref="VectorStoreException"><see cref="VectorStoreErrorKind.InvalidInput"/> when more than <paramref name="max"/> points match.</exception>
    public static async Task<IReadOnlyList<VectorPoint>> ListAsync(this IVectorStore store, string collection, VectorFilter? filter = null, bool withVectors = false, int max = 100_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var points = new List<VectorPoint>();
        await foreach (var p in store.ScrollAsync(collection, filter, withVectors, cancellationToken).ConfigureAwait(false))
        {
            if (points.Count == max)
            {
                throw new VectorStoreException(VectorStoreErrorKind.InvalidInput,
                    $"More than {max} points of collection '{collection}' match {filter?.ToString() ?? "(all)"}; use ScrollAsync.");
            }

            points.Add(p);
        }

        points.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return points;
    }
}
