namespace ExpertRouter.Api.OpenAi;

/// <summary>A validated embeddings request.</summary>
internal sealed record ParsedEmbeddingRequest(string Model, List<string> Inputs, bool Base64, int? Dimensions);
