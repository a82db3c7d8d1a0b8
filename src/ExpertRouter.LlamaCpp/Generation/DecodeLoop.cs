using System.Diagnostics;
using System.Threading.Channels;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// The one thread that owns a model's generation context. Each step puts the next token of every
/// active sequence into a single <c>llama_batch</c> (continuous batching: sequences join between
/// steps after their prompt is processed, and leave when done or cancelled). Requests wait in a
/// bounded queue for a free sequence slot.
/// </summary>
internal sealed partial class DecodeLoop : IDisposable
{
    private readonly SafeLlamaContextHandle _context;
    private readonly TokenPieceCache _pieces;
    private readonly Channel<SequenceWork> _queue;
    private readonly SequenceWork?[] _slots;
    private readonly LlamaBatchBuffer _batch;
    private readonly SamplerScratch _scratch;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _name;
    private readonly int _maxQueue;
    private int _queued;
    private int _active;
    private long _steps;
    private long _sharedSteps;
    private long _generated;
    private long _promptTokens;
    private int _maxInStep;
    private long _started;
    private long _completed;
    private long _decodeTicks;
    private long _emitTicks;
    private long _prefillTicks;
    private long _prefillCalls;
    private readonly List<SequenceWork> _admitted = [];

    public DecodeLoop(string name, SafeLlamaContextHandle context, TokenPieceCache pieces, int maxQueue)
    {
        _name = name;
        _context = context;
        _pieces = pieces;
        SequenceContext = (int)context.SequenceContextSize;
        _slots = new SequenceWork?[(int)context.MaxSequences];
        _batch = new LlamaBatchBuffer((int)context.BatchSize);
        _scratch = new SamplerScratch(context.VocabularySize);
        _maxQueue = Math.Max(1, maxQueue);
        _queue = Channel.CreateUnbounded<SequenceWork>(new UnboundedChannelOptions { SingleReader = true });
        _thread = new Thread(Run) { IsBackground = true, Name = "llama-decode " + name };
        _thread.Start();
    }

    /// <summary>Tokens one sequence may hold (prompt + generated).</summary>
    public int SequenceContext { get; }

    public int MaxSequences => _slots.Length;

    public DecodeLoopStats Stats => new(
        Interlocked.Read(ref _steps), Interlocked.Read(ref _sharedSteps), Interlocked.Read(ref _generated),
        Interlocked.Read(ref _promptTokens), Volatile.Read(ref _maxInStep), Interlocked.Read(ref _started),
        Interlocked.Read(ref _completed), Volatile.Read(ref _active), Volatile.Read(ref _queued),
        TimeSpan.FromSeconds((double)Interlocked.Read(ref _decodeTicks) / Stopwatch.Frequency),
        TimeSpan.FromSeconds((double)Interlocked.Read(ref _emitTicks) / Stopwatch.Frequency),
        Interlocked.Read(ref _prefillCalls),
        TimeSpan.FromSeconds((double)Interlocked.Read(ref _prefillTicks) / Stopwatch.Frequency));

    /// <summary>True while any sequence is generating or waiting.</summary>
    public bool IsBusy => Volatile.Read(ref _active) > 0 || Volatile.Read(ref _queued) > 0;

    /// <summary>Queues a validated request. Throws <see cref="EngineBusyException"/> when the queue is full.</summary>
    public ChannelReader<GenerationUpdate> Enqueue(GenerationRequest request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        if (Interlocked.Increment(ref _queued) > _maxQueue)
        {
            Interlocked.Decrement(ref _queued);
            throw new EngineBusyException($"Model '{_name}' has {_maxQueue} requests waiting already; retry later.");
        }

        var work = new SequenceWork(request, _pieces, cancellationToken);
        // A request cancelled while it waits leaves the queue at once (its place is free for others).
        work.QueueRegistration = cancellationToken.Register(() =>
        {
            if (work.TryLeaveQueue(cancelled: true))
            {
                Interlocked.Decrement(ref _queued);
                work.Output.Writer.TryComplete(new OperationCanceledException(cancellationToken));
            }
        });
        if (!_queue.Writer.TryWrite(work))
        {
            work.QueueRegistration.Dispose();
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(DecodeLoop));
        }

        return work.Output.Reader;
    }

    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _queue.Writer.TryComplete();
        _thread.Join();
        _batch.Dispose();
        _stopping.Dispose();
    }

    private void Run()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (!Admit())
                {
                    break;
                }

                Step();
            }
#pragma warning disable CA1031 // the loop must survive anything one step throws; the affected sequences get the error
            catch (Exception e)
            {
                FailActive(new GenerationFailedException($"Decoding failed in model '{_name}': {e.Message}", e));
            }
#pragma warning restore CA1031
        }

        var gone = new GenerationFailedException($"Model '{_name}' was unloaded.");
        FailActive(gone);
        while (_queue.Reader.TryRead(out var w))
        {
            if (w.TryLeaveQueue(cancelled: false))
            {
                Interlocked.Decrement(ref _queued);
                w.QueueRegistration.Dispose();
                w.Output.Writer.TryComplete(gone);
            }
        }
    }

    /// <summary>Moves queued requests into free slots (prefilling their prompts). Blocks while idle. False when stopping.</summary>
    private bool Admit()
    {
        if (Volatile.Read(ref _active) == 0)
        {
            try
            {
                if (!_queue.Reader.WaitToReadAsync(_stopping.Token).AsTask().GetAwaiter().GetResult())
                {
                    return false;
                }
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        for (var slot = 0; slot < _slots.Length; slot++)
        {
            if (_slots[slot] is not null)
            {
                continue;
            }

            if (!_queue.Reader.TryRead(out var work))
            {
                break;
            }

            if (!work.TryLeaveQueue(cancelled: false))
            {
                slot--; // cancelled while waiting: already answered; the slot is still free
                continue;
            }

            Interlocked.Decrement(ref _queued);
            work.QueueRegistration.Dispose();

            work.Seq = new LlamaSeqId(slot);
            _slots[slot] = work;
            Interlocked.Increment(ref _active);
            Interlocked.Increment(ref _started);
            _admitted.Add(work);
        }

        if (_admitted.Count > 0)
        {
            Prefill(_admitted);
            _admitted.Clear();
        }

        return true;
    }

    /// <summary>
    /// Processes the prompts of the requests admitted together, packed into shared <c>llama_batch</c>es (a prompt may
    /// span two), each prompt under its own sequence id with logits only for its last token; each request's first
    /// token is sampled right after the decode call that held its last prompt token (logits belong to the last call).
    /// </summary>
    private void Prefill(List<SequenceWork> admitted)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var work in admitted)
        {
            work.Started = started;
            _context.RemoveSequence(work.Seq);
        }

        _batch.Clear();
        var ready = new List<(SequenceWork Work, int Index)>(admitted.Count);
        foreach (var work in admitted)
        {
            var prompt = work.Request.Prompt;
            for (var i = 0; i < prompt.Count; i++)
            {
                if (_batch.Count == _batch.Capacity && !DecodePrompts(ready, admitted))
                {
                    return;
                }

                var index = _batch.Add(prompt[i], i, work.Seq, i == prompt.Count - 1);
                if (i == prompt.Count - 1)
                {
                    ready.Add((work, index));
                }
            }
        }

        if (_batch.Count > 0)
        {
            DecodePrompts(ready, admitted);
        }
    }

    /// <summary>Decodes one packed chunk of prompt tokens and starts the requests whose prompt ended in it. False when it failed.</summary>
    private bool DecodePrompts(List<(SequenceWork Work, int Index)> ready, List<SequenceWork> admitted)
    {
        var t0 = Stopwatch.GetTimestamp();
        var status = _context.Decode(_batch);
        Interlocked.Add(ref _prefillTicks, Stopwatch.GetTimestamp() - t0);
        var ok = status == LlamaDecodeStatus.Ok;
        Interlocked.Increment(ref _prefillCalls);
        if (ok)
        {
            foreach (var (work, index) in ready)
            {
                Interlocked.Add(ref _promptTokens, work.Request.Prompt.Count);
                work.Position = work.Request.Prompt.Count;
                Emit(work, index);
            }
        }
        else
        {
            // Every admitted request not started yet fails: those in this chunk and those whose prompt was not reached.
            var error = new GenerationFailedException($"llama_decode failed on the prompt ({status}).");
            foreach (var work in admitted.Where(w => w.FirstToken == 0 && _slots[w.Seq.Value] == w))
            {
                Finish(work, error: error);
            }
        }

        _batch.Clear();
        ready.Clear();
        return ok;
    }

    private void Step()
    {
        _batch.Clear();
        var inStep = 0;
        foreach (var work in _slots)
        {
            if (work is null)
            {
                continue;
            }

            if (work.CancellationToken.IsCancellationRequested)
            {
                Finish(work, FinishReason.Cancelled);
                continue;
            }

            work.BatchIndex = _batch.Add(work.Pending, work.Position, work.Seq, outputLogits: true);
            inStep++;
        }

        if (inStep == 0)
        {
            return;
        }

        var t0 = Stopwatch.GetTimestamp();
        var status = _context.Decode(_batch);
        var t1 = Stopwatch.GetTimestamp();
        Interlocked.Add(ref _decodeTicks, t1 - t0);
        Interlocked.Increment(ref _steps);
        if (inStep > 1)
        {
            Interlocked.Increment(ref _sharedSteps);
        }

        if (inStep > Volatile.Read(ref _maxInStep))
        {
            Volatile.Write(ref _maxInStep, inStep);
        }

        if (status != LlamaDecodeStatus.Ok)
        {
            FailActive(new GenerationFailedException($"llama_decode failed ({status}) in model '{_name}'."));
            return;
        }

        foreach (var work in _slots)
        {
            if (work is null)
            {
                continue;
            }

            work.Position++;
            Emit(work, work.BatchIndex);
        }

        Interlocked.Add(ref _emitTicks, Stopwatch.GetTimestamp() - t1);
    }

    /// <summary>Samples the next token from the logits at <paramref name="batchIndex"/>, streams it and decides whether the sequence goes on.</summary>
    private void Emit(SequenceWork work, int batchIndex)
    {
        var logits = _context.GetLogits(batchIndex);
        var (lse, certainty) = LogitStatistics.Compute(logits, _scratch.Exp);
        var token = new LlamaToken(work.Sampler.Sample(logits, _scratch));
        if (work.FirstToken == 0)
        {
            work.FirstToken = Stopwatch.GetTimestamp();
        }

        var request = work.Request;
        if (request.StopAtEndOfGeneration && _pieces.Vocabulary.IsEndOfGeneration(token))
        {
            Finish(work, FinishReason.Stop);
            return;
        }

        work.Generated++;
        work.CertaintySum += certainty;
        Interlocked.Increment(ref _generated);
        var (delta, stopped) = work.Stops.Append(work.Decoder.Append(token));
        work.Text.Append(delta);
        var top = request.TopLogProbs > 0 ? TopLogProbs(logits, lse, request.TopLogProbs) : null;
        var generated = new GeneratedToken(token, _pieces.GetText(token), logits[token.Value] - lse, certainty, top);
        work.Output.Writer.TryWrite(new GenerationUpdate(delta, generated, null));

        if (stopped)
        {
            Finish(work, FinishReason.Stop, flushText: false);
        }
        else if (request.MaxTokens is { } max && work.Generated >= max)
        {
            Finish(work, FinishReason.Length);
        }
        else if (work.Position >= SequenceContext)
        {
            Finish(work, FinishReason.Length);
        }
        else
        {
            work.Pending = token;
        }
    }

    private List<TokenLogProb> TopLogProbs(ReadOnlySpan<float> logits, float lse, int count)
    {
        Span<int> best = stackalloc int[Math.Min(count, 20)];
        var n = TopSelection.Select(logits, best.Length, best);
        var list = new List<TokenLogProb>(n);
        for (var i = 0; i < n; i++)
        {
            var t = new LlamaToken(best[i]);
            list.Add(new TokenLogProb(t, _pieces.GetText(t), logits[best[i]] - lse));
        }

        return list;
    }

    private void Finish(SequenceWork work, FinishReason reason = FinishReason.Stop, Exception? error = null, bool flushText = true)
    {
        _slots[work.Seq.Value] = null;
        _context.RemoveSequence(work.Seq);
        Interlocked.Decrement(ref _active);
        Interlocked.Increment(ref _completed);
        if (error is not null)
        {
            work.Output.Writer.TryComplete(error);
            return;
        }

        if (reason == FinishReason.Cancelled)
        {
            work.Output.Writer.TryComplete(new OperationCanceledException("The generation was cancelled.", work.CancellationToken));
            return;
        }

        if (flushText)
        {
            var (tail, _) = work.Stops.Append(work.Decoder.Flush());
            tail += work.Stops.Flush();
            if (tail.Length > 0)
            {
                work.Text.Append(tail);
                work.Output.Writer.TryWrite(new GenerationUpdate(tail, null, null));
            }
        }

        var now = Stopwatch.GetTimestamp();
        var result = new GenerationResult(
            work.Text.ToString(), reason, work.Request.Prompt.Count, work.Generated,
            work.Generated == 0 ? 0 : work.CertaintySum / work.Generated,
            Stopwatch.GetElapsedTime(work.Enqueued, work.Started),
            Stopwatch.GetElapsedTime(work.Started, work.FirstToken == 0 ? now : work.FirstToken),
            work.FirstToken == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(work.FirstToken, now));
        work.Output.Writer.TryWrite(new GenerationUpdate(string.Empty, null, result));
        work.Output.Writer.TryComplete();
    }

    private void FailActive(Exception error)
    {
        foreach (var work in _slots)
        {
            if (work is not null)
            {
                Finish(work, error: error);
            }
        }
    }
}
