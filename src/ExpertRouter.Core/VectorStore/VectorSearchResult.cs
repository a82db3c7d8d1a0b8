namespace ExpertRouter.Core.VectorStore;

/// <summary>One hit of <see cref="IVectorStore.SearchAsync"/>.</summary>
/// <param name="Id">The point's id.</param>
/// <param name="Score">Cosine similarity between the query and the point, in [-1, 1].</param>
/// <param name="Payload">The point's payload.</param>
public sealed record VectorSearchResult(string Id, float Score, IReadOnlyDictionary<string, string> Payload);
