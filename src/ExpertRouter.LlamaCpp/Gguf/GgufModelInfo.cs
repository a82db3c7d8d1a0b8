using System.Globalization;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// What a GGUF file says about the model in it: architecture, size, quantization, hyper-parameters, tokenizer
/// and chat template, plus a memory estimate. Built from the header only (<see cref="GgufReader"/>).
/// </summary>
public sealed class GgufModelInfo
{
    /// <summary>Tokens per micro-batch assumed by <see cref="EstimateComputeBytes"/> (llama.cpp's default n_ubatch).</summary>
    public const int AssumedMicroBatch = 512;

    /// <summary>The fixed part of the compute-buffer allowance: graph metadata, scheduler and small buffers.</summary>
    public const long ComputeBaseBytes = 32L * 1024 * 1024;

    private GgufModelInfo(GgufFile file, string architecture)
    {
        File = file;
        Architecture = architecture;
        var p = architecture + ".";
        Name = file.GetStringOrNull("general.name");
        FileType = file.GetIntegerOrNull("general.file_type");
        ContextLength = file.GetIntegerOrNull(p + "context_length") ?? 0;
        EmbeddingLength = file.GetIntegerOrNull(p + "embedding_length") ?? 0;
        BlockCount = file.GetIntegerOrNull(p + "block_count") ?? 0;
        FeedForwardLength = IntegerOrFirstOfArray(file, p + "feed_forward_length");
        HeadCount = IntegerOrFirstOfArray(file, p + "attention.head_count");
        var kv = IntegerOrFirstOfArray(file, p + "attention.head_count_kv");
        HeadCountKv = kv > 0 ? kv : HeadCount;
        TokenizerModel = file.GetStringOrNull("tokenizer.ggml.model");
        ChatTemplate = file.GetStringOrNull("tokenizer.chat_template");
        BosTokenId = TokenId(file, "tokenizer.ggml.bos_token_id");
        EosTokenId = TokenId(file, "tokenizer.ggml.eos_token_id");
        if (file.TryGetValue("tokenizer.ggml.tokens", out var tokens))
        {
            if (tokens.ElementType != GgufValueType.String)
            {
                throw file.Error(GgufProblem.WrongKeyType, "key 'tokenizer.ggml.tokens' must be an array of strings");
            }

            VocabSize = tokens.Count;
        }
        else
        {
            VocabSize = (int)Math.Clamp(file.GetIntegerOrNull(p + "vocab_size") ?? 0, 0, int.MaxValue);
        }

        ParameterCount = file.ParameterCount;
        WeightsBytes = file.TensorDataBytes;
        Quantization = QuantizationName(FileType, file.Tensors);
    }

    /// <summary>The parsed header this information comes from.</summary>
    public GgufFile File { get; }

    public string FilePath => File.FilePath;

    /// <summary><c>general.architecture</c>, e.g. "llama".</summary>
    public string Architecture { get; }

    /// <summary><c>general.name</c>, when present.</summary>
    public string? Name { get; }

    /// <summary>The sum of the element counts of all tensors.</summary>
    public long ParameterCount { get; }

    /// <summary>
    /// The quantization: from <c>general.file_type</c> ("F32", "F16", "Q8_0", "Q4_K_M", ...), else the type
    /// holding most elements among the tensors of two or more dimensions.
    /// </summary>
    public string Quantization { get; }

    /// <summary>The raw <c>general.file_type</c> (llama_ftype), when present.</summary>
    public long? FileType { get; }

    /// <summary><c>{arch}.context_length</c>: the training context; 0 when absent.</summary>
    public long ContextLength { get; }

    /// <summary><c>{arch}.embedding_length</c> (n_embd); 0 when absent.</summary>
    public long EmbeddingLength { get; }

    /// <summary><c>{arch}.block_count</c> (n_layer); 0 when absent.</summary>
    public long BlockCount { get; }

    /// <summary><c>{arch}.attention.head_count</c> (first layer's when per-layer); 0 when absent.</summary>
    public long HeadCount { get; }

    /// <summary><c>{arch}.attention.head_count_kv</c>, defaulting to <see cref="HeadCount"/>.</summary>
    public long HeadCountKv { get; }

    /// <summary><c>{arch}.feed_forward_length</c> (first layer's when per-layer); 0 when absent.</summary>
    public long FeedForwardLength { get; }

    /// <summary>The length of <c>tokenizer.ggml.tokens</c> (else <c>{arch}.vocab_size</c>, else 0).</summary>
    public int VocabSize { get; }

    /// <summary><c>tokenizer.ggml.model</c>, e.g. "llama" (SentencePiece) or "gpt2" (BPE).</summary>
    public string? TokenizerModel { get; }

    /// <summary><c>tokenizer.chat_template</c> (a Jinja template), when present.</summary>
    public string? ChatTemplate { get; }

    public int? BosTokenId { get; }

    public int? EosTokenId { get; }

    /// <summary>The size of the file in bytes.</summary>
    public long FileSize => File.FileSize;

    /// <summary>The total size of the tensor data in bytes.</summary>
    public long WeightsBytes { get; }

    public int TensorCount => File.Tensors.Count;

    /// <summary>Reads and validates the header of the model at <paramref name="path"/>.</summary>
    /// <exception cref="GgufFormatException">The file is invalid or not a model llama.cpp supports.</exception>
    public static GgufModelInfo Read(string path)
    {
        var info = FromFile(GgufReader.Read(path));
        info.Validate();
        return info;
    }

    /// <summary>Reads and validates a model header from a stream; see <see cref="GgufReader.Read(Stream, string)"/>.</summary>
    public static GgufModelInfo Read(Stream stream, string name)
    {
        var info = FromFile(GgufReader.Read(stream, name));
        info.Validate();
        return info;
    }

    /// <summary>
    /// Extracts the model information without validating it (only <c>general.architecture</c> must exist and
    /// keys that exist must have sensible types).
    /// </summary>
    public static GgufModelInfo FromFile(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new GgufModelInfo(file, file.GetString("general.architecture"));
    }

    /// <summary>
    /// Checks that llama.cpp knows the architecture (<see cref="GgufProblem.UnsupportedArchitecture"/>) and that
    /// the keys it requires exist (<see cref="GgufProblem.MissingKey"/>): for every architecture the tokenizer
    /// model and, unless it is "none", the token list; for all but "clip" the context length, embedding length
    /// and block count; for the llama family also head count, RMS norm epsilon and feed-forward length, with
    /// consistent values.
    /// </summary>
    public void Validate()
    {
        if (!GgufArchitectures.IsSupported(Architecture))
        {
            throw File.Error(GgufProblem.UnsupportedArchitecture, $"architecture '{Architecture}' is not supported by llama.cpp");
        }

        Require("tokenizer.ggml.model");
        if (TokenizerModel is not ("none" or "no_vocab"))
        {
            Require("tokenizer.ggml.tokens");
        }

        if (Architecture == "clip")
        {
            return;
        }

        var p = Architecture + ".";
        Require(p + "context_length");
        Require(p + "embedding_length");
        Require(p + "block_count");
        if (!GgufArchitectures.IsLlamaFamily(Architecture))
        {
            return;
        }

        Require(p + "attention.head_count");
        Require(p + "attention.layer_norm_rms_epsilon");
        Require(p + "feed_forward_length");
        if (BlockCount <= 0 || EmbeddingLength <= 0 || HeadCount <= 0 || HeadCountKv <= 0 || ContextLength <= 0)
        {
            throw File.Error(GgufProblem.InvalidMetadata, "block count, embedding length, context length and head counts must be positive");
        }

        if (EmbeddingLength % HeadCount != 0 || HeadCount % HeadCountKv != 0)
        {
            throw File.Error(
                GgufProblem.InvalidMetadata,
                string.Create(CultureInfo.InvariantCulture, $"embedding length {EmbeddingLength}, head count {HeadCount} and KV head count {HeadCountKv} are inconsistent"));
        }
    }

    /// <summary>
    /// The bytes of the F16 KV cache for <paramref name="sequences"/> sequences of <paramref name="contextLength"/>
    /// tokens each: 2 (K and V) x n_layer x n_ctx x (n_embd / n_head x n_head_kv) x 2 bytes.
    /// </summary>
    public long EstimateKvCacheBytes(int contextLength, int sequences = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequences);
        var cells = (long)contextLength * sequences;
        var embdKv = HeadCount > 0 ? EmbeddingLength / HeadCount * HeadCountKv : EmbeddingLength;
        return 2 * BlockCount * cells * embdKv * 2;
    }

    /// <summary>
    /// An allowance for llama.cpp's compute and output buffers, not an exact figure:
    /// <see cref="ComputeBaseBytes"/> + 4 bytes x u x (n_vocab + 2 x n_ff + 6 x n_embd), where
    /// u = min(<see cref="AssumedMicroBatch"/>, total context): F32 logits and activations of one micro-batch; with
    /// <paramref name="attentionScores"/> (no flash attention) also the F32 attention scores and their softmax of one
    /// layer, 2 x 4 bytes x u x n_ctx (per sequence: each sequence attends to its own cache) x n_head.
    /// </summary>
    public long EstimateComputeBytes(int contextLength, int sequences = 1, bool attentionScores = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(contextLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequences);
        var ubatch = Math.Min(AssumedMicroBatch, (long)contextLength * sequences);
        var scores = attentionScores ? 2 * 4 * ubatch * contextLength * Math.Max(1, HeadCount) : 0;
        return ComputeBaseBytes + (4 * ubatch * (VocabSize + (2 * FeedForwardLength) + (6 * EmbeddingLength))) + scores;
    }

    /// <summary>
    /// Estimated memory to run the model with <paramref name="sequences"/> sequences of
    /// <paramref name="contextLength"/> tokens: <see cref="WeightsBytes"/> + <see cref="EstimateKvCacheBytes"/> +
    /// <see cref="EstimateComputeBytes"/>.
    /// </summary>
    public long EstimateMemory(int contextLength, int sequences = 1, bool attentionScores = false) =>
        WeightsBytes + EstimateKvCacheBytes(contextLength, sequences) + EstimateComputeBytes(contextLength, sequences, attentionScores);

    /// <summary>The name of a llama_ftype value as used in model file names ("Q4_K_M"), or null if unknown.</summary>
    public static string? FileTypeName(long fileType) => (fileType & ~1024L) switch
    {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        39 => "NVFP4",
        40 => "Q1_0",
        41 => "Q2_0",
        _ => null,
    };

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Name ?? System.IO.Path.GetFileName(FilePath)} ({Architecture}, {ParameterCount / 1e6:F1}M params, {Quantization}, ctx {ContextLength}, vocab {VocabSize})");

    private static string QuantizationName(long? fileType, IReadOnlyList<GgufTensorInfo> tensors)
    {
        if (fileType is { } ft && FileTypeName(ft) is { } name)
        {
            return name;
        }

        var dominant = tensors
            .Where(t => t.Dimensions.Count >= 2)
            .GroupBy(t => t.Type)
            .Select(g => (Type: g.Key, Elements: g.Sum(t => t.ElementCount)))
            .OrderByDescending(g => g.Elements)
            .ThenBy(g => g.Type)
            .Select(g => (GgmlType?)g.Type)
            .FirstOrDefault();
        dominant ??= tensors.Count > 0 ? tensors[0].Type : null;
        return dominant?.ToString() ?? "unknown";
    }

    private static long IntegerOrFirstOfArray(GgufFile file, string key)
    {
        if (!file.TryGetValue(key, out var value))
        {
            return 0;
        }

        if (!value.IsArray)
        {
            return file.GetIntegerOrNull(key) ?? 0;
        }

        if (value.Count == 0)
        {
            return 0;
        }

        // Per-layer values (e.g. head counts of hybrid models): report the first.
        var first = value.ElementType switch
        {
            GgufValueType.Int32 => value.AsArray<int>()[0],
            GgufValueType.UInt32 => (long?)value.AsArray<uint>()[0],
            GgufValueType.Int64 => value.AsArray<long>()[0],
            _ => null,
        };
        return first ?? throw file.Error(GgufProblem.WrongKeyType, $"key '{key}' must be an integer or an array of integers");
    }

    private static int? TokenId(GgufFile file, string key)
    {
        var id = file.GetIntegerOrNull(key);
        return id is null or < 0 or > int.MaxValue ? null : (int)id.Value;
    }

    private void Require(string key)
    {
        if (!File.ContainsKey(key))
        {
            throw File.Error(GgufProblem.MissingKey, $"required key '{key}' is missing for architecture '{Architecture}'");
        }
    }
}
