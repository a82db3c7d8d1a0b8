using System.Numerics.Tensors;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Embeddings;

/// <summary>
/// Owns a model's embedding context (created on first use: mean pooling, one sequence). Each input
/// is decoded in its own pass with the memory cleared, so an embedding does not depend on what
/// else was embedded with it (several sequences of different lengths in one batch pool wrongly).
/// One call at a time; callers queue on a semaphore.
/// </summary>
internal sealed class EmbeddingWorker(SafeLlamaModelHandle model, LlamaVocabulary vocabulary, int contextSize, int threads) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SafeLlamaContextHandle? _context;
    private LlamaBatchBuffer? _batch;
    private int _busy;
    private bool _disposed;

    public bool IsBusy => Volatile.Read(ref _busy) > 0;

    public int ContextSize => contextSize;

    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        // Validate everything before any native call: a bad input fails the call, not the process.
        var tokenized = new LlamaToken[inputs.Count][];
        for (var i = 0; i < inputs.Count; i++)
        {
            var text = inputs[i] ?? throw new ArgumentException($"Input {i} is null.", nameof(inputs));
            var tokens = text.Length == 0 ? [] : vocabulary.Tokenize(text, addSpecial: true, parseSpecial: false);
            if (tokens.Length == 0)
            {
                throw new ArgumentException($"Input {i} is empty.", nameof(inputs));
            }

            if (tokens.Length > contextSize)
            {
                throw new PromptTooLongException($"Input {i} is {tokens.Length} tokens; the embedding context holds {contextSize}.");
            }

            tokenized[i] = tokens;
        }

        Interlocked.Increment(ref _busy);
        try
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return await Task.Run(() => Run(tokenized, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
        }
    }

    private float[][] Run(LlamaToken[][] inputs, CancellationToken cancellationToken)
    {
        EnsureContext();
        var seq = new LlamaSeqId(0);
        var result = new float[inputs.Length][];
        for (var i = 0; i < inputs.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _context!.ClearMemory();
            _batch!.Clear();
            for (var p = 0; p < inputs[i].Length; p++)
            {
                _batch.Add(inputs[i][p], p, seq, outputLogits: true);
            }

            var status = _context.Decode(_batch);
            if (status != LlamaDecodeStatus.Ok)
            {
                throw new GenerationFailedException($"llama_decode failed while embedding input {i} ({status}).");
            }

            var vector = _context.GetSequenceEmbedding(seq).ToArray();
            var norm = TensorPrimitives.Norm(vector);
            if (norm > 0 && float.IsFinite(norm))
            {
                TensorPrimitives.Divide(vector, norm, vector);
            }

            result[i] = vector;
        }

        return result;
    }

    private void EnsureContext()
    {
        if (_context is not null)
        {
            return;
        }

        var p = LlamaNative.llama_context_default_params();
        p.n_ctx = (uint)contextSize;
        p.n_batch = (uint)contextSize;
        p.n_ubatch = (uint)contextSize; // the whole input in one ubatch: pooling covers every token
        p.n_seq_max = 1;
        p.n_threads = threads;
        p.n_threads_batch = threads;
        p.embeddings = 1;
        p.pooling_type = LlamaPoolingType.LLAMA_POOLING_TYPE_MEAN;
        p.kv_unified = 1;
        p.no_perf = 1;
        _context = SafeLlamaContextHandle.Create(model, p)
            ?? throw new ModelLoadException($"llama.cpp could not create an embedding context of {contextSize} tokens.");
        _batch = new LlamaBatchBuffer(contextSize);
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _disposed = true;
            _batch?.Dispose();
            _context?.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }
}
