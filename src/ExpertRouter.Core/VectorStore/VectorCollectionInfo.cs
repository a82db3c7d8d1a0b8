namespace ExpertRouter.Core.VectorStore;

/// <summary>What <see cref="IVectorStore.GetCollectionAsync"/> tells about a collection.</summary>
/// <param name="Name">The collection name as the caller uses it (without any store-side prefix).</param>
/// <param name="Dimensions">The length of every vector in it.</param>
/// <param name="Count">The number of points in it.</param>
public sealed record VectorCollectionInfo(string Name, int Dimensions, long Count);
