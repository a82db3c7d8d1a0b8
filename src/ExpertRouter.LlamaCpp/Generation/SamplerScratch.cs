namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>Per-decode-loop work buffers (one thread uses them), sized to the vocabulary.</summary>
internal sealed class SamplerScratch(int vocabularySize)
{
    public float[] Work { get; } = new float[vocabularySize];

    public float[] Exp { get; } = new float[vocabularySize];

    public int[] Indices { get; } = new int[vocabularySize];
}
