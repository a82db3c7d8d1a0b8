namespace ExpertRouter.LlamaCpp;

/// <summary>How one model is loaded and served. Validated by <see cref="Validate"/> before any native call.</summary>
public sealed record LlamaModelOptions
{
    /// <summary>Tokens per sequence (prompt + answer). Null = min(model's training context, 4096).</summary>
    public int? ContextSize { get; init; }

    /// <summary>Sequences decoded together in one batch (continuous batching slots).</summary>
    public int MaxSequences { get; init; } = 8;

    /// <summary>Largest number of tokens submitted in one llama_decode call (prompt chunks).</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>Layers to offload to the GPU; -1 = all, 0 = none. Ignored on CPU-only builds.</summary>
    public int GpuLayers { get; init; } = -1;

    /// <summary>CPU threads for decoding; 0 = all cores.</summary>
    public int Threads { get; init; }

    /// <summary>Keep one CPU thread pool per loaded model instead of starting threads on every decode.</summary>
    public bool PersistentThreadPool { get; init; } = true;

    /// <summary>How hard the pool's idle threads poll for work, 0 (sleep; friendly to other models) to 100 (spin).</summary>
    public uint ThreadPoolPolling { get; init; }

    /// <summary>Requests that may wait for a free sequence slot before new ones are refused.</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>Tokens per embedding input; null = min(context, 2048).</summary>
    public int? EmbeddingContextSize { get; init; }

    /// <summary>Memory-map the weights (fast load, shared page cache).</summary>
    public bool UseMmap { get; init; } = true;

    /// <summary>Flash attention in the generation context; off keeps batched output equal to alone (see <see cref="LlamaCpp.FlashAttention"/>).</summary>
    public FlashAttention FlashAttention { get; init; } = FlashAttention.Off;

    /// <summary>The per-sequence context used for a model whose training context is <paramref name="trainContext"/> (0 = unknown).</summary>
    public int EffectiveContextSize(long trainContext) =>
        ContextSize ?? (int)Math.Min(trainContext > 0 ? trainContext : 4096, 4096);

    /// <summary>Tokens per embedding input for a given per-sequence context.</summary>
    public int EffectiveEmbeddingContextSize(int sequenceContext) => EmbeddingContextSize ?? Math.Min(sequenceContext, 2048);

    /// <summary>Estimated bytes to load a model with these options: weights, KV cache of every sequence, compute buffers, embedding context.</summary>
    public long EstimateMemory(Gguf.GgufModelInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var ctx = EffectiveContextSize(info.ContextLength);
        return info.EstimateMemory(ctx, MaxSequences, attentionScores: FlashAttention == FlashAttention.Off)
            + info.EstimateKvCacheBytes(EffectiveEmbeddingContextSize(ctx), 1);
    }

    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Check(ContextSize is null or (>= 16 and <= 1 << 20), $"ContextSize must be between 16 and 1048576 (got {ContextSize}).");
        Check(MaxSequences is >= 1 and <= 256, $"MaxSequences must be between 1 and 256 (got {MaxSequences}).");
        Check(BatchSize is >= 1 and <= 1 << 16, $"BatchSize must be between 1 and 65536 (got {BatchSize}).");
        Check(GpuLayers >= -1, $"GpuLayers must be -1 (all), 0 or a positive count (got {GpuLayers}).");
        Check(Threads is >= 0 and <= 1024, $"Threads must be between 0 and 1024 (got {Threads}).");
        Check(MaxQueuedRequests is >= 1 and <= 1_000_000, $"MaxQueuedRequests must be between 1 and 1000000 (got {MaxQueuedRequests}).");
        Check(ThreadPoolPolling <= 100, $"ThreadPoolPolling must be 0..100 (got {ThreadPoolPolling}).");
        Check(EmbeddingContextSize is null or (>= 8 and <= 1 << 20), $"EmbeddingContextSize must be between 8 and 1048576 (got {EmbeddingContextSize}).");
        Check(Enum.IsDefined(FlashAttention), $"FlashAttention must be Off, On or Auto (got {FlashAttention}).");
    }
}
