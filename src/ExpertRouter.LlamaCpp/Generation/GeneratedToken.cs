using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// One generated token. <see cref="SelfCertainty"/> is KL(uniform || p) over the full vocabulary
/// (higher = more confident); <see cref="LogProb"/> the token's log-probability at temperature 1.
/// </summary>
public sealed record GeneratedToken(
    LlamaToken Token,
    string Text,
    float LogProb,
    float SelfCertainty,
    IReadOnlyList<TokenLogProb>? TopLogProbs);
