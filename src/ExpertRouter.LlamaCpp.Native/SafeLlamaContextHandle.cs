using Microsoft.Win32.SafeHandles;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// Owns a <c>llama_context*</c> and keeps its model alive. Not thread-safe: exactly one thread
/// (the model's decode loop) may use a context at a time.
/// </summary>
public sealed unsafe class SafeLlamaContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private SafeLlamaModelHandle? _model;
    private IntPtr _memory;
    private int _nVocab;
    private int _nEmbd;

    public SafeLlamaContextHandle() : base(ownsHandle: true) { }

    /// <summary>Creates a context; returns null when llama.cpp refused (e.g. out of memory).</summary>
    public static SafeLlamaContextHandle? Create(SafeLlamaModelHandle model, LlamaContextParams parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        var added = false;
        model.DangerousAddRef(ref added);
        var ptr = LlamaNative.llama_init_from_model(model.DangerousGetHandle(), parameters);
        if (ptr == IntPtr.Zero)
        {
            model.DangerousRelease();
            return null;
        }

        var ctx = new SafeLlamaContextHandle { _model = model };
        ctx.SetHandle(ptr);
        ctx._memory = LlamaNative.llama_get_memory(ptr);
        ctx._nVocab = LlamaNative.llama_vocab_n_tokens(LlamaNative.llama_model_get_vocab(model.DangerousGetHandle()));
        ctx._nEmbd = LlamaNative.llama_model_n_embd(model.DangerousGetHandle());
        return ctx;
    }

    protected override bool ReleaseHandle()
    {
        if (_threadpool is not null)
        {
            LlamaNative.llama_detach_threadpool(handle);
        }

        LlamaNative.llama_free(handle);
        _threadpool?.Dispose();
        _model?.DangerousRelease();
        return true;
    }

    public uint ContextSize => LlamaNative.llama_n_ctx(handle);

    /// <summary>Context length available to one sequence (n_ctx / n_seq_max with a split KV cache).</summary>
    public uint SequenceContextSize => LlamaNative.llama_n_ctx_seq(handle);

    public uint BatchSize => LlamaNative.llama_n_batch(handle);

    public uint MicroBatchSize => LlamaNative.llama_n_ubatch(handle);

    public uint MaxSequences => LlamaNative.llama_n_seq_max(handle);

    public int VocabularySize => _nVocab;

    public int EmbeddingLength => _nEmbd;

    public void SetThreads(int threads, int batchThreads) => LlamaNative.llama_set_n_threads(handle, threads, batchThreads);

    private SafeGgmlThreadpoolHandle? _threadpool;

    /// <summary>Attaches a persistent thread pool (owned by this context from now on).</summary>
    public void AttachThreadpool(SafeGgmlThreadpoolHandle pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        LlamaNative.llama_attach_threadpool(handle, pool.DangerousGetHandle(), pool.DangerousGetHandle());
        _threadpool = pool;
    }

    /// <summary>Runs the model on a batch. <see cref="LlamaDecodeStatus.NoKvSlot"/> leaves the memory unchanged.</summary>
    public LlamaDecodeStatus Decode(LlamaBatchBuffer batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var rc = LlamaNative.llama_decode(handle, batch.Native);
        return rc switch
        {
            0 => LlamaDecodeStatus.Ok,
            1 => LlamaDecodeStatus.NoKvSlot,
            2 => LlamaDecodeStatus.Aborted,
            -1 => LlamaDecodeStatus.InvalidBatch,
            _ => LlamaDecodeStatus.Fatal,
        };
    }

    /// <summary>Logits of the i-th output of the last decode (full vocabulary). Valid until the next decode.</summary>
    public ReadOnlySpan<float> GetLogits(int batchIndex)
    {
        var p = LlamaNative.llama_get_logits_ith(handle, batchIndex);
        if (p == null)
        {
            throw new InvalidOperationException($"llama.cpp has no logits for batch index {batchIndex}.");
        }

        return new ReadOnlySpan<float>(p, _nVocab);
    }

    /// <summary>Pooled embedding of a sequence after the last decode (embedding contexts only).</summary>
    public ReadOnlySpan<float> GetSequenceEmbedding(LlamaSeqId seq)
    {
        var p = LlamaNative.llama_get_embeddings_seq(handle, seq.Value);
        if (p == null)
        {
            throw new InvalidOperationException($"llama.cpp has no pooled embedding for sequence {seq.Value}.");
        }

        return new ReadOnlySpan<float>(p, _nEmbd);
    }

    /// <summary>Drops every cached token of a sequence so its slot can be reused.</summary>
    public void RemoveSequence(LlamaSeqId seq) => LlamaNative.llama_memory_seq_rm(_memory, seq.Value, -1, -1);

    /// <summary>Largest position cached for the sequence, -1 when empty.</summary>
    public int SequencePositionMax(LlamaSeqId seq) => LlamaNative.llama_memory_seq_pos_max(_memory, seq.Value);

    public void ClearMemory() => LlamaNative.llama_memory_clear(_memory, 1);

    public LlamaPerfContextData Performance => LlamaNative.llama_perf_context(handle);
}
