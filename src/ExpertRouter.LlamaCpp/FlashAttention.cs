namespace ExpertRouter.LlamaCpp;

/// <summary>
/// llama.cpp's flash attention for a generation context. <see cref="Off"/> (the default) keeps greedy output
/// bit-identical whether a sequence is decoded alone or batched with others of any length (measured on CPU over 450
/// tokens; with flash attention on, results drift once another sequence in the batch grows the attended KV window past
/// a 256-cell step, which flips near-tied tokens after a few hundred tokens). <see cref="On"/> or <see cref="Auto"/>
/// trade that for speed and memory on long contexts (mainly on GPUs): attention scores are not materialised.
/// </summary>
public enum FlashAttention
{
    Off = 0,
    On = 1,
    Auto = 2,
}
