using System.Globalization;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// The shape of a llama-architecture test model for <see cref="TestModelGenerator"/>. Immutable; derive variants
/// with <c>with</c>, e.g. <c>TestModelSpec.Tiny with { FileType = GgmlType.F16, Seed = 7 }</c>.
/// </summary>
public sealed record TestModelSpec
{
    /// <summary>Smallest accepted vocabulary: the special, byte and single-character tokens need about 420 entries.</summary>
    public const int MinVocabSize = 512;

    /// <summary>Largest accepted vocabulary.</summary>
    public const int MaxVocabSize = 1 << 20;

    /// <summary>Largest accepted <see cref="EmbeddingLength"/> and <see cref="FeedForwardLength"/> (rows are generated whole).</summary>
    public const int MaxRowLength = 1 << 20;

    /// <summary>About 0.66M parameters (655,680; most of them the two 64 x 4096 embedding matrices): n_embd 64, 2 layers, 4 heads, n_ff 256, vocabulary 4096. Generates in milliseconds.</summary>
    public static TestModelSpec Tiny { get; } = new() { Name = "test-llama-tiny" };

    /// <summary>About 20M parameters: n_embd 384, 8 layers, 6 heads, n_ff 1024, vocabulary 8192.</summary>
    public static TestModelSpec Small { get; } = new()
    {
        Name = "test-llama-small",
        EmbeddingLength = 384,
        BlockCount = 8,
        HeadCount = 6,
        HeadCountKv = 6,
        FeedForwardLength = 1024,
        VocabSize = 8192,
    };

    /// <summary>About 220M parameters: n_embd 1024, 12 layers, 16 heads, n_ff 2816, vocabulary 32000.</summary>
    public static TestModelSpec Bench200M { get; } = new()
    {
        Name = "test-llama-200m",
        EmbeddingLength = 1024,
        BlockCount = 12,
        HeadCount = 16,
        HeadCountKv = 16,
        FeedForwardLength = 2816,
        VocabSize = 32000,
    };

    /// <summary>About 1.1B parameters, shaped like TinyLlama: n_embd 2048, 22 layers, 32 heads, 4 KV heads, n_ff 5632, vocabulary 32000.</summary>
    public static TestModelSpec Billion { get; } = new()
    {
        Name = "test-llama-1b",
        EmbeddingLength = 2048,
        BlockCount = 22,
        HeadCount = 32,
        HeadCountKv = 4,
        FeedForwardLength = 5632,
        VocabSize = 32000,
    };

    /// <summary><c>general.name</c>; also the start of the file name used by <see cref="TestModelGenerator.EnsureGenerated"/>.</summary>
    public string Name { get; init; } = "test-llama";

    /// <summary>n_embd. A multiple of <see cref="HeadCount"/> (and of 32 for Q8_0).</summary>
    public int EmbeddingLength { get; init; } = 64;

    /// <summary>n_layer.</summary>
    public int BlockCount { get; init; } = 2;

    /// <summary>n_head.</summary>
    public int HeadCount { get; init; } = 4;

    /// <summary>n_head_kv (grouped-query attention when below <see cref="HeadCount"/>); must divide it.</summary>
    public int HeadCountKv { get; init; } = 4;

    /// <summary>n_ff (a multiple of 32 for Q8_0).</summary>
    public int FeedForwardLength { get; init; } = 256;

    /// <summary>Number of tokens, at least <see cref="MinVocabSize"/>.</summary>
    public int VocabSize { get; init; } = 4096;

    /// <summary><c>llama.context_length</c>, the training context.</summary>
    public int ContextLength { get; init; } = 2048;

    /// <summary>The storage of the 2-D weights: F32, F16 or Q8_0. 1-D norm weights are always F32.</summary>
    public GgmlType FileType { get; init; } = GgmlType.Q8_0;

    /// <summary>Seeds the weights; the same spec and seed always give a byte-identical file.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Whether to write a separate <c>output.weight</c>; when false the output is tied to the token embeddings.</summary>
    public bool IncludeOutputTensor { get; init; } = true;

    /// <summary>Standard deviation of the random weights.</summary>
    public float WeightStdDev { get; init; } = 0.02f;

    public float RmsNormEpsilon { get; init; } = 1e-5f;

    public float RopeFreqBase { get; init; } = 10000f;

    /// <summary>n_embd / n_head.</summary>
    public int HeadDimension => HeadCount > 0 ? EmbeddingLength / HeadCount : 0;

    /// <summary>n_embd_k_gqa = head dimension x n_head_kv.</summary>
    public int KvEmbeddingLength => HeadDimension * HeadCountKv;

    /// <summary>The number of weights in the generated file (what <see cref="GgufModelInfo.ParameterCount"/> reports).</summary>
    public long ParameterCount => GetTensorPlan().Sum(t => t.ElementCount);

    /// <summary>The bytes of tensor data in the generated file (what <see cref="GgufModelInfo.WeightsBytes"/> reports); the spec must be valid.</summary>
    public long ComputeWeightsBytes()
    {
        Validate();
        return GetTensorPlan().Sum(t => GgmlTypeTraits.GetTensorByteSize(t.Type, t.Dimensions));
    }

    /// <summary>The llama_ftype written as <c>general.file_type</c> (0 for F32, 1 for F16, 7 for Q8_0).</summary>
    public uint ToLlamaFileType() => FileType switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q8_0 => 7,
        _ => throw new InvalidOperationException($"File type {FileType} is not supported."),
    };

    /// <summary>Throws <see cref="ArgumentException"/> describing the first inconsistency.</summary>
    public void Validate()
    {
        static void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException("Invalid test model spec: " + message);
            }
        }

        Check(!string.IsNullOrWhiteSpace(Name), "Name is empty");
        Check(EmbeddingLength > 0 && BlockCount > 0 && HeadCount > 0 && HeadCountKv > 0 && FeedForwardLength > 0 && ContextLength > 0, "sizes must be positive");
        Check(BlockCount <= 512, "at most 512 layers");
        Check(EmbeddingLength % HeadCount == 0, "EmbeddingLength must be a multiple of HeadCount");
        Check(HeadCount % HeadCountKv == 0, "HeadCountKv must divide HeadCount");
        Check(HeadDimension % 2 == 0, "the head dimension must be even (rotary embedding)");
        Check(VocabSize is >= MinVocabSize and <= MaxVocabSize, string.Create(CultureInfo.InvariantCulture, $"VocabSize must be in [{MinVocabSize}, {MaxVocabSize}]"));
        Check(FileType is GgmlType.F32 or GgmlType.F16 or GgmlType.Q8_0, "FileType must be F32, F16 or Q8_0");
        Check(
            FileType != GgmlType.Q8_0 || (EmbeddingLength % 32 == 0 && FeedForwardLength % 32 == 0),
            "Q8_0 needs EmbeddingLength and FeedForwardLength to be multiples of 32");
        Check(float.IsFinite(WeightStdDev) && WeightStdDev >= 0, "WeightStdDev must be finite and non-negative");
        Check(RmsNormEpsilon > 0 && RopeFreqBase > 0, "RmsNormEpsilon and RopeFreqBase must be positive");
        Check(EmbeddingLength <= MaxRowLength && FeedForwardLength <= MaxRowLength, string.Create(CultureInfo.InvariantCulture, $"EmbeddingLength and FeedForwardLength must be at most {MaxRowLength}"));
    }

    /// <summary>The tensors of the model in file order (names, types, ggml shapes).</summary>
    internal IReadOnlyList<PlannedTensor> GetTensorPlan()
    {
        long e = EmbeddingLength, v = VocabSize, kv = KvEmbeddingLength, ff = FeedForwardLength;
        var w = FileType;
        var list = new List<PlannedTensor>(3 + (BlockCount * 9))
        {
            new("token_embd.weight", w, [e, v]),
            new("output_norm.weight", GgmlType.F32, [e]),
        };
        if (IncludeOutputTensor)
        {
            list.Add(new("output.weight", w, [e, v]));
        }

        for (var i = 0; i < BlockCount; i++)
        {
            var p = string.Create(CultureInfo.InvariantCulture, $"blk.{i}.");
            list.Add(new(p + "attn_norm.weight", GgmlType.F32, [e]));
            list.Add(new(p + "attn_q.weight", w, [e, e]));
            list.Add(new(p + "attn_k.weight", w, [e, kv]));
            list.Add(new(p + "attn_v.weight", w, [e, kv]));
            list.Add(new(p + "attn_output.weight", w, [e, e]));
            list.Add(new(p + "ffn_norm.weight", GgmlType.F32, [e]));
            list.Add(new(p + "ffn_gate.weight", w, [e, ff]));
            list.Add(new(p + "ffn_up.weight", w, [e, ff]));
            list.Add(new(p + "ffn_down.weight", w, [ff, e]));
        }

        return list;
    }

    /// <summary>A canonical description of every field, used to name cached files.</summary>
    internal string CanonicalDescription() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Name}|{EmbeddingLength}|{BlockCount}|{HeadCount}|{HeadCountKv}|{FeedForwardLength}|{VocabSize}|{ContextLength}|{FileType}|{Seed}|{IncludeOutputTensor}|{WeightStdDev:R}|{RmsNormEpsilon:R}|{RopeFreqBase:R}");

    internal sealed record PlannedTensor(string Name, GgmlType Type, long[] Dimensions)
    {
        public bool IsNorm => Dimensions.Length == 1;

        public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);
    }
}
