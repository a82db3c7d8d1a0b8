namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// Named collections of vectors with string payloads, searched by exact cosine similarity. Implementations are
/// thread-safe. Every operation on a collection that does not exist throws <see cref="VectorStoreException"/>
/// with <see cref="VectorStoreErrorKind.UnknownCollection"/>; invalid arguments throw it with
/// <see cref="VectorStoreErrorKind.InvalidInput"/> before anything is stored.
/// </summary>
/// <remarks>
/// Collection names are 1-128 characters of letters, digits, '_', '-' and '.', starting with a letter or digit.
/// </remarks>
public interface IVectorStore : IAsyncDisposable
{
    /// <summary>Which backend serves the calls, for logs and UI (e.g. "embedded (data/vectors)", "qdrant http://host:6333").</summary>
    string Describe();

    /// <summary>Creates the collection, or checks that the existing one has <paramref name="dimensions"/> (idempotent).</summary>
    /// <exception cref="VectorStoreException"><see cref="VectorStoreErrorKind.WrongDimension"/> when it exists with another dimension.</exception>
    Task EnsureCollectionAsync(string collection, int dimensions, CancellationToken cancellationToken = default);

    /// <summary>The collection's dimension and point count, or null when it does not exist.</summary>
    Task<VectorCollectionInfo?> GetCollectionAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>Deletes the collection and its points; false when there was none.</summary>
    Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts the points, replacing points with the same id (within one call the last occurrence of an id wins).
    /// Every point is validated before any is stored.
    /// </summary>
    Task UpsertAsync(string collection, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default);

    /// <summary>Deletes the points with these ids; ids that do not exist are ignored.</summary>
    Task DeleteAsync(string collection, IReadOnlyList<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Deletes every point matching <paramref name="filter"/> (e.g. all pilots of one expert).</summary>
    /// <remarks>An empty filter deletes every point of the collection.</remarks>
    Task DeleteWhereAsync(string collection, VectorFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// The <paramref name="limit"/> points most similar to <paramref name="query"/> among those matching
    /// <paramref name="filter"/>: exact (not approximate) cosine similarity, best first, equal scores by id.
    /// </summary>
    /// <param name="collection">The collection.</param>
    /// <param name="query">Exactly the collection's dimension, finite, not all zero.</param>
    /// <param name="limit">At least 1.</param>
    /// <param name="filter">Null to search every point.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<IReadOnlyList<VectorSearchResult>> SearchAsync(string collection, ReadOnlyMemory<float> query, int limit, VectorFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>The number of points matching <paramref name="filter"/> (all points when null).</summary>
    Task<long> CountAsync(string collection, VectorFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every point matching <paramref name="filter"/>, fetched page by page. The order is the store's own (stable
    /// for unchanged data, not by id: use <see cref="VectorStoreExtensions.ListAsync"/> for a sorted list). A point
    /// that exists during the whole enumeration is returned exactly once.
    /// </summary>
    /// <param name="collection">The collection.</param>
    /// <param name="filter">Null for every point.</param>
    /// <param name="withVectors">Whether to return the (unit-length) vectors; otherwise <see cref="VectorPoint.Vector"/> is empty.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    IAsyncEnumerable<VectorPoint> ScrollAsync(string collection, VectorFilter? filter = null, bool withVectors = false, CancellationToken cancellationToken = default);
}
