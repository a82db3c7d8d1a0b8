using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ExpertRouter.LlamaCpp.Embeddings;
using ExpertRouter.LlamaCpp.Generation;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp;

/// <summary>
/// A GGUF model loaded in this process: one long-lived generation context with its decode loop
/// (continuous batching over <see cref="LlamaModelOptions.MaxSequences"/> slots) and, on first use,
/// one embedding context. Thread-safe: any number of callers may generate and embed at once.
/// Dispose only when idle (<see cref="IsBusy"/> false); disposing fails running sequences.
/// </summary>
public sealed class LlamaModel : IDisposable
{
    private readonly SafeLlamaModelHandle _model;
    private readonly SafeLlamaContextHandle _context;
    private readonly DecodeLoop _loop;
    private readonly TokenPieceCache _pieces;
    private readonly EmbeddingWorker _embeddings;
    private int _disposed;

    private LlamaModel(string path, GgufModelInfo info, LlamaModelOptions options, SafeLlamaModelHandle model,
        SafeLlamaContextHandle context, TimeSpan loadTime, TimeSpan contextTime)
    {
        Path = path;
        Info = info;
        Options = options;
        _model = model;
        _context = context;
        Vocabulary = model.GetVocabulary();
        _pieces = new TokenPieceCache(Vocabulary);
        ChatTemplate = model.ChatTemplate;
        LoadTime = loadTime;
        ContextCreateTime = contextTime;
        _loop = new DecodeLoop(System.IO.Path.GetFileName(path), context, _pieces, options.MaxQueuedRequests);
        var embeddingContext = options.EffectiveEmbeddingContextSize(_loop.SequenceContext);
        _embeddings = new EmbeddingWorker(model, Vocabulary, embeddingContext, ThreadCount(options));
    }

    public string Path { get; }

    /// <summary>Metadata read from the file before loading (architecture, parameters, quantization, ...).</summary>
    public GgufModelInfo Info { get; }

    public LlamaModelOptions Options { get; }

    public LlamaVocabulary Vocabulary { get; }

    /// <summary>The chat template from the file's metadata, or null.</summary>
    public string? ChatTemplate { get; }

    /// <summary>Tokens one sequence can hold (prompt + answer).</summary>
    public int SequenceContextSize => _loop.SequenceContext;

    public int MaxSequences => _loop.MaxSequences;

    public TimeSpan LoadTime { get; }

    public TimeSpan ContextCreateTime { get; }

    public DecodeLoopStats Stats => _loop.Stats;

    /// <summary>True while a sequence is generating or queued, or an embedding is running.</summary>
    public bool IsBusy => _loop.IsBusy || _embeddings.IsBusy;


    /// <summary>
    /// Validates the file with the managed GGUF reader (no native code sees an invalid file), then
    /// loads it and creates its generation context. <see cref="LlamaRuntime"/> must be initialised.
    /// </summary>
    /// <exception cref="GgufFormatException">The file is missing, not GGUF, truncated or unsupported.</exception>
    /// <exception cref="ModelLoadException">llama.cpp refused the model or the context.</exception>
    public static async Task<LlamaModel> LoadAsync(string path, LlamaModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new LlamaModelOptions();
        options.Validate();
        if (!LlamaRuntime.IsInitialized)
        {
            throw new InvalidOperationException("llama.cpp is not initialised: call LlamaRuntime.InitializeAsync first.");
        }

        path = System.IO.Path.GetFullPath(path);
        var info = GgufModelInfo.Read(path);
        var sequenceContext = options.EffectiveContextSize(info.ContextLength);
        var maxSeq = (int)Math.Min((ulong)options.MaxSequences, LlamaNative.llama_max_parallel_sequences());
        var totalContext = (long)sequenceContext * maxSeq;
        if (totalContext > int.MaxValue / 2)
        {
            throw new ArgumentException($"ContextSize {sequenceContext} x MaxSequences {maxSeq} is too large.");
        }

        return await Task.Run(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var modelParams = LlamaNative.llama_model_default_params();
            modelParams.n_gpu_layers = options.GpuLayers;
            modelParams.load_mode = options.UseMmap ? LlamaLoadMode.LLAMA_LOAD_MODE_MMAP : LlamaLoadMode.LLAMA_LOAD_MODE_NONE;
            var sw = Stopwatch.StartNew();
            var model = SafeLlamaModelHandle.Load(path, modelParams)
                ?? throw new ModelLoadException($"llama.cpp could not load '{path}'. {NativeReason()}");
            var loadTime = sw.Elapsed;
            try
            {
                var ctxParams = LlamaNative.llama_context_default_params();
                ctxParams.n_ctx = (uint)totalContext;
                ctxParams.n_seq_max = (uint)maxSeq;
                ctxParams.n_batch = (uint)Math.Min(options.BatchSize, totalContext);
                ctxParams.n_ubatch = ctxParams.n_batch;
                ctxParams.n_threads = ThreadCount(options);
                ctxParams.n_threads_batch = ThreadCount(options);
                ctxParams.kv_unified = 0; // bit-identical output alone vs batched (measured, with flash attention off), see docs
                ctxParams.embeddings = 0;
                ctxParams.no_perf = 1;
                ctxParams.flash_attn_type = options.FlashAttention switch
                {
                    FlashAttention.On => LlamaFlashAttnType.LLAMA_FLASH_ATTN_TYPE_ENABLED,
                    FlashAttention.Auto => LlamaFlashAttnType.LLAMA_FLASH_ATTN_TYPE_AUTO,
                    _ => LlamaFlashAttnType.LLAMA_FLASH_ATTN_TYPE_DISABLED, // batched == alone, see FlashAttention
                };
                sw.Restart();
                var context = SafeLlamaContextHandle.Create(model, ctxParams)
                    ?? throw new ModelLoadException($"llama.cpp could not create a context of {totalContext} tokens ({maxSeq} sequences x {sequenceContext}) for '{path}'. {NativeReason()}");
                // A persistent pool: without one ggml starts and joins its worker threads on every
                // llama_decode (measured 3-8% slower per token here, see bench/run.sh engine).
                // OpenMP builds manage their own threads.
                if (options.PersistentThreadPool && !LlamaRuntime.Info.UsesOpenMp && SafeGgmlThreadpoolHandle.Create(ThreadCount(options), options.ThreadPoolPolling) is { } pool)
                {
                    context.AttachThreadpool(pool);
                }
                return new LlamaModel(path, info, options, model, context, loadTime, sw.Elapsed);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private static int ThreadCount(LlamaModelOptions options) => options.Threads > 0 ? options.Threads : Environment.ProcessorCount;

    private static string NativeReason()
    {
        var lines = LlamaLibrary.RecentProblems(3);
        return lines.Count == 0 ? "llama.cpp gave no reason." : "llama.cpp said: " + string.Join(" | ", lines);
    }

    /// <summary>Tokenizes text with this model's vocabulary.</summary>
    public IReadOnlyList<LlamaToken> Tokenize(string text, bool addSpecial = true, bool parseSpecial = false)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Vocabulary.Tokenize(text, addSpecial, parseSpecial);
    }

    /// <summary>The text of a token sequence (control tokens render as nothing).</summary>
    public string Detokenize(IEnumerable<LlamaToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var decoder = new TokenTextDecoder(_pieces);
        var sb = new System.Text.StringBuilder();
        foreach (var t in tokens)
        {
            if (!Vocabulary.IsValid(t))
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), t.Value, "Token id outside the vocabulary.");
            }

            sb.Append(decoder.Append(t));
        }

        return sb.Append(decoder.Flush()).ToString();
    }

    /// <summary>
    /// Starts generating; updates stream on the returned reader and the last one carries the result.
    /// The reader completes with <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid sampling values, empty prompt, token ids outside the vocabulary.</exception>
    /// <exception cref="PromptTooLongException">The prompt does not fit a sequence's context.</exception>
    /// <exception cref="EngineBusyException">The queue is full.</exception>
    public ChannelReader<GenerationUpdate> StartGeneration(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Validate(request);
        return _loop.Enqueue(request, cancellationToken);
    }

    /// <summary>Streams a generation.</summary>
    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = StartGeneration(request, cancellationToken);
        await foreach (var update in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <summary>Generates to the end and returns the result.</summary>
    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        GenerationResult? result = null;
        await foreach (var update in GenerateStreamingAsync(request, cancellationToken).ConfigureAwait(false))
        {
            result = update.Result ?? result;
        }

        return result ?? throw new GenerationFailedException("The generation ended without a result.");
    }

    /// <summary>Mean-pooled, L2-normalised embeddings, one per input, each computed in its own pass.</summary>
    /// <exception cref="PromptTooLongException">An input is longer than the embedding context.</exception>
    public Task<float[][]> EmbedAsync(IReadOnlyList<string> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _embeddings.EmbedAsync(inputs, cancellationToken);
    }

    public int EmbeddingDimensions => _model.EmbeddingLength;

    private void Validate(GenerationRequest request)
    {
        request.Sampling.Validate();
        if (request.Prompt.Count == 0)
        {
            throw new ArgumentException("The prompt is empty.", nameof(request));
        }

        foreach (var t in request.Prompt)
        {
            if (!Vocabulary.IsValid(t))
            {
                throw new ArgumentException($"Prompt token id {t.Value} is outside the vocabulary (0..{Vocabulary.Count - 1}).", nameof(request));
            }
        }

        if (request.Prompt.Count >= SequenceContextSize)
        {
            throw new PromptTooLongException(request.Prompt.Count, SequenceContextSize);
        }

        if (request.MaxTokens is < 1)
        {
            throw new ArgumentException($"max_tokens must be at least 1 (got {request.MaxTokens}).", nameof(request));
        }

        if (request.TopLogProbs is < 0 or > 20)
        {
            throw new ArgumentException($"top_logprobs must be between 0 and 20 (got {request.TopLogProbs}).", nameof(request));
        }

        if (request.StopStrings.Count > 16 || request.StopStrings.Any(s => string.IsNullOrEmpty(s) || s.Length > 256))
        {
            throw new ArgumentException("stop: at most 16 non-empty strings of at most 256 characters.", nameof(request));
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _loop.Dispose();
        _embeddings.Dispose();
        _context.Dispose();
        _model.Dispose();
    }
}
