namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// A reusable <c>llama_batch</c> of a fixed capacity (one sequence id per token). Allocated once
/// per decode loop; <see cref="Clear"/> between steps. Not thread-safe.
/// </summary>
public sealed unsafe class LlamaBatchBuffer : IDisposable
{
    private LlamaBatch _batch;
    private bool _disposed;

    public LlamaBatchBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        LlamaLibrary.EnsureLoaded();
        Capacity = capacity;
        _batch = LlamaNative.llama_batch_init(capacity, 0, 1);
        if (_batch.token == null)
        {
            throw new InvalidOperationException($"llama_batch_init({capacity}) failed.");
        }
    }

    public int Capacity { get; }

    public int Count => _batch.n_tokens;

    internal LlamaBatch Native
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _batch;
        }
    }

    public void Clear() => _batch.n_tokens = 0;

    /// <summary>Appends a token; returns its index in the batch (the index for logits when <paramref name="outputLogits"/>).</summary>
    public int Add(LlamaToken token, int position, LlamaSeqId sequence, bool outputLogits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var i = _batch.n_tokens;
        if (i >= Capacity)
        {
            throw new InvalidOperationException($"Batch is full ({Capacity} tokens).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence.Value);
        _batch.token[i] = token.Value;
        _batch.pos[i] = position;
        _batch.n_seq_id[i] = 1;
        _batch.seq_id[i][0] = sequence.Value;
        _batch.logits[i] = (sbyte)(outputLogits ? 1 : 0);
        _batch.n_tokens = i + 1;
        return i;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            LlamaNative.llama_batch_free(_batch);
            _batch = default;
        }
    }
}
