namespace ExpertRouter.Core.VectorStore;

/// <summary>Conveniences over <see cref="IVectorStore"/>.</summary>
public static class VectorStoreExtensions
{
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
