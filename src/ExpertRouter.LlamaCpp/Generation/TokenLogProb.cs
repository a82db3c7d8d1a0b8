using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>A token with its natural-log probability under the model (temperature 1, before penalties).</summary>
public readonly record struct TokenLogProb(LlamaToken Token, string Text, float LogProb);
