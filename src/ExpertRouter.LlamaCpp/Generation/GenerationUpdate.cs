namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// A streamed event. <see cref="TextDelta"/> is text that became final (may be empty: a partial
/// UTF-8 character, or text held back because it could be the start of a stop string). The
/// concatenation of all deltas equals <see cref="GenerationResult.Text"/>. The last update carries
/// <see cref="Result"/>.
/// </summary>
public sealed record GenerationUpdate(string TextDelta, GeneratedToken? Token, GenerationResult? Result);
