namespace ExpertRouter.Core.Routing;

/// <summary>A query keyword and the profile keyword it was mapped to (ALGORITHMS.md §1 step 4).</summary>
/// <param name="Keyword">The query keyword as annotated.</param>
/// <param name="ProfileKeyword">The nearest keyword that exists in the profiles; null when it could not be mapped (it then contributes nothing).</param>
/// <param name="Similarity">Cosine similarity between the two (1 for an exact match, 0 when unmapped).</param>
public sealed record MappedKeyword(string Keyword, string? ProfileKeyword, double Similarity);
