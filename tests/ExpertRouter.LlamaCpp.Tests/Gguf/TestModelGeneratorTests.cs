using System.Security.Cryptography;
using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.LlamaCpp.Tests.Gguf;

public sealed class TestModelGeneratorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(GgmlType.Q8_0, "Q8_0")]
    [InlineData(GgmlType.F16, "F16")]
    [InlineData(GgmlType.F32, "F32")]
    public void Generated_model_reads_back_with_the_spec_values(GgmlType type, string quantization)
    {
        var spec = TestModelSpec.Tiny with { FileType = type };
        var path = _dir.File($"tiny-{type}.gguf");
        TestModelGenerator.Generate(spec, path);

        var info = GgufModelInfo.Read(path);
        Assert.Equal("llama", info.Architecture);
        Assert.Equal(spec.Name, info.Name);
        Assert.Equal(spec.ParameterCount, info.ParameterCount);
        Assert.Equal(quantization, info.Quantization);
        Assert.Equal(spec.ToLlamaFileType(), (uint)info.FileType!.Value);
        Assert.Equal(2048, info.ContextLength);
        Assert.Equal(64, info.EmbeddingLength);
        Assert.Equal(2, info.BlockCount);
        Assert.Equal(4, info.HeadCount);
        Assert.Equal(4, info.HeadCountKv);
        Assert.Equal(256, info.FeedForwardLength);
        Assert.Equal(4096, info.VocabSize);
        Assert.Equal("llama", info.TokenizerModel);
        Assert.Contains("<|im_start|>", info.ChatTemplate, StringComparison.Ordinal);
        Assert.Equal(TestModelGenerator.ChatMLTemplate, info.ChatTemplate);
        Assert.Equal(TestVocabulary.BosId, info.BosTokenId);
        Assert.Equal(TestVocabulary.ImEndId, info.EosTokenId);
        Assert.Equal(new FileInfo(path).Length, info.FileSize);
        Assert.Equal(spec.ComputeWeightsBytes(), info.WeightsBytes);
        Assert.Equal(3 + (9 * 2), info.TensorCount);

        var f = info.File;
        Assert.Equal(0, f.DataOffset % 32);
        Assert.Equal([64L, 4096L], f.FindTensor("token_embd.weight")!.Dimensions);
        Assert.Equal(GgmlType.F32, f.FindTensor("output_norm.weight")!.Type);
        Assert.Equal(GgmlType.F32, f.FindTensor("blk.1.ffn_norm.weight")!.Type);
        Assert.Equal(type, f.FindTensor("blk.1.ffn_down.weight")!.Type);
        Assert.Equal([256L, 64L], f.FindTensor("blk.1.ffn_down.weight")!.Dimensions);
        Assert.Equal([64L, 256L], f.FindTensor("blk.0.ffn_gate.weight")!.Dimensions);
        Assert.Equal(4096, f.Metadata["tokenizer.ggml.scores"].Count);
        Assert.Equal(4096, f.Metadata["tokenizer.ggml.token_type"].Count);
        Assert.Equal(1e-5f, f.Metadata["llama.attention.layer_norm_rms_epsilon"].AsFloat32());
        Assert.Equal(16u, f.Metadata["llama.rope.dimension_count"].AsUInt32());
        Assert.Equal((uint)TestVocabulary.ImEndId, f.Metadata["tokenizer.ggml.eot_token_id"].AsUInt32());
        Assert.True(f.Metadata["tokenizer.ggml.add_bos_token"].AsBool());
    }

    [Fact]
    public void Weights_have_the_requested_distribution_and_norms_are_one()
    {
        var spec = TestModelSpec.Tiny with { FileType = GgmlType.F32, Seed = 3 };
        var path = _dir.File("dist.gguf");
        TestModelGenerator.Generate(spec, path);
        var f = GgufReader.Read(path);
        var bytes = File.ReadAllBytes(path);

        var norm = f.FindTensor("blk.0.attn_norm.weight")!;
        var ones = new float[64];
        GgmlEncoder.DecodeF32(bytes.AsSpan((int)norm.DataOffset), ones);
        Assert.All(ones, v => Assert.Equal(1f, v));

        var q = f.FindTensor("blk.0.attn_q.weight")!;
        var w = new float[q.ElementCount];
        GgmlEncoder.DecodeF32(bytes.AsSpan((int)q.DataOffset), w);
        var mean = w.Average();
        var std = Math.Sqrt(w.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.002, 0.002);
        Assert.InRange(std, 0.019, 0.021);
        Assert.All(w, v => Assert.InRange(v, -0.07f, 0.07f));
    }

    [Fact]
    public void Same_seed_gives_identical_bytes_and_another_seed_different_weights()
    {
        var spec = TestModelSpec.Tiny with { Seed = 11 };
        var p1 = _dir.File("a.gguf");
        var p2 = _dir.File("b.gguf");
        var p3 = _dir.File("c.gguf");
        TestModelGenerator.Generate(spec, p1);
        TestModelGenerator.Generate(spec, p2);
        TestModelGenerator.Generate(spec with { Seed = 12 }, p3);
        var b1 = File.ReadAllBytes(p1);
        var b2 = File.ReadAllBytes(p2);
        var b3 = File.ReadAllBytes(p3);
        Assert.Equal(SHA256.HashData(b1), SHA256.HashData(b2));
        Assert.NotEqual(SHA256.HashData(b1), SHA256.HashData(b3));

        // Same header (the vocabulary does not depend on the seed), different data.
        var dataOffset = (int)GgufReader.Read(p1).DataOffset;
        Assert.Equal(b1.Length, b3.Length);
        Assert.True(b1.AsSpan(0, dataOffset).SequenceEqual(b3.AsSpan(0, dataOffset)));
        Assert.False(b1.AsSpan(dataOffset).SequenceEqual(b3.AsSpan(dataOffset)));

        using var ms = new MemoryStream();
        TestModelGenerator.Generate(spec, ms);
        Assert.Equal(b1, ms.ToArray());
    }

    [Fact]
    public void Grouped_query_attention_and_tied_output_shapes()
    {
        var spec = TestModelSpec.Tiny with { HeadCountKv = 2, IncludeOutputTensor = false };
        var path = _dir.File("gqa.gguf");
        TestModelGenerator.Generate(spec, path);
        var info = GgufModelInfo.Read(path);
        Assert.Equal(2, info.HeadCountKv);
        Assert.Null(info.File.FindTensor("output.weight"));
        Assert.Equal([64L, 32L], info.File.FindTensor("blk.0.attn_k.weight")!.Dimensions);
        Assert.Equal([64L, 32L], info.File.FindTensor("blk.0.attn_v.weight")!.Dimensions);
        Assert.Equal(spec.ParameterCount, info.ParameterCount);

        // KV cache: 2 x n_layer x n_ctx x (n_embd / n_head x n_head_kv) x 2 bytes.
        Assert.Equal(2L * 2 * (512 * 3) * (64 / 4 * 2) * 2, info.EstimateKvCacheBytes(512, 3));
        Assert.Equal(
            info.WeightsBytes + info.EstimateKvCacheBytes(512, 3) + info.EstimateComputeBytes(512, 3),
            info.EstimateMemory(512, 3));
        Assert.True(info.EstimateComputeBytes(512) >= GgufModelInfo.ComputeBaseBytes);
        Assert.True(info.EstimateMemory(4096) > info.EstimateMemory(1024));

        // Without flash attention one layer's F32 scores and softmax are materialised: 2 x 4 bytes x u x n_ctx x n_head.
        Assert.Equal(info.EstimateComputeBytes(512, 3) + (2L * 4 * 512 * 512 * 4), info.EstimateComputeBytes(512, 3, attentionScores: true));
        Assert.True(new LlamaModelOptions { ContextSize = 512 }.EstimateMemory(info) > new LlamaModelOptions { ContextSize = 512, FlashAttention = FlashAttention.On }.EstimateMemory(info));
    }

    [Fact]
    public void Presets_have_the_documented_sizes()
    {
        Assert.Equal(655_680, TestModelSpec.Tiny.ParameterCount);
        Assert.InRange(TestModelSpec.Small.ParameterCount, 18_000_000, 22_000_000);
        Assert.InRange(TestModelSpec.Bench200M.ParameterCount, 180_000_000, 240_000_000);
        Assert.InRange(TestModelSpec.Billion.ParameterCount, 1_000_000_000, 1_200_000_000);
        foreach (var spec in new[] { TestModelSpec.Tiny, TestModelSpec.Small, TestModelSpec.Bench200M, TestModelSpec.Billion })
        {
            spec.Validate();
        }

        // llama.cpp's own accounting: embeddings + output + per layer (q, k, v, o, gate, up, down, 2 norms) + output norm.
        var b = TestModelSpec.Billion;
        long e = 2048, kv = 2048 / 32 * 4, ff = 5632, v = 32000;
        Assert.Equal((2 * v * e) + e + (22 * ((2 * e * e) + (2 * e * kv) + (3 * e * ff) + (2 * e))), b.ParameterCount);
    }

    [Fact]
    public void Invalid_specs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => (TestModelSpec.Tiny with { EmbeddingLength = 48, HeadCount = 4 }).Validate());
        Assert.Throws<ArgumentException>(() => (TestModelSpec.Tiny with { HeadCountKv = 3 }).Validate());
        Assert.Throws<ArgumentException>(() => (TestModelSpec.Tiny with { VocabSize = 100 }).Validate());
        Assert.Throws<ArgumentException>(() => (TestModelSpec.Tiny with { FileType = GgmlType.Q4_K }).Validate());
        Assert.Throws<ArgumentException>(() => (TestModelSpec.Tiny with { FeedForwardLength = 100 }).Validate());
        (TestModelSpec.Tiny with { FileType = GgmlType.F16, FeedForwardLength = 100 }).Validate();
        Assert.Throws<ArgumentException>(() => TestModelGenerator.Generate(TestModelSpec.Tiny with { BlockCount = 0 }, _dir.File("x.gguf")));
    }

    [Fact]
    public void EnsureGenerated_reuses_an_existing_file()
    {
        var spec = TestModelSpec.Tiny with { VocabSize = 600 };
        var p1 = TestModelGenerator.EnsureGenerated(spec, _dir.Path);
        var written = File.GetLastWriteTimeUtc(p1);
        var p2 = TestModelGenerator.EnsureGenerated(spec, _dir.Path);
        Assert.Equal(p1, p2);
        Assert.Equal(written, File.GetLastWriteTimeUtc(p2));
        Assert.StartsWith("test-llama-tiny-Q8_0-", Path.GetFileName(p1), StringComparison.Ordinal);
        Assert.NotEqual(p1, TestModelGenerator.EnsureGenerated(spec with { Seed = 99 }, _dir.Path));
        Assert.Equal(2, Directory.GetFiles(_dir.Path).Length);

        // A damaged cached file is regenerated.
        File.WriteAllBytes(p1, [1, 2, 3]);
        Assert.Equal(p1, TestModelGenerator.EnsureGenerated(spec, _dir.Path));
        Assert.Equal(spec.ParameterCount, GgufModelInfo.Read(p1).ParameterCount);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    [InlineData(32000)]
    public void Vocabulary_is_well_formed(int size)
    {
        var v = TestVocabulary.Create(size);
        Assert.Equal(size, v.Count);
        Assert.Equal(size, v.Tokens.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(size, v.Scores.Count);
        Assert.Equal(size, v.TokenTypes.Count);
        Assert.Equal("<unk>", v.Tokens[TestVocabulary.UnknownId]);
        Assert.Equal("<s>", v.Tokens[TestVocabulary.BosId]);
        Assert.Equal("</s>", v.Tokens[TestVocabulary.EosId]);
        Assert.Equal("<|im_start|>", v.Tokens[TestVocabulary.ImStartId]);
        Assert.Equal("<|im_end|>", v.Tokens[TestVocabulary.ImEndId]);
        Assert.Equal(TestVocabulary.TypeUnknown, v.TokenTypes[0]);
        for (var id = 1; id <= 4; id++)
        {
            Assert.Equal(TestVocabulary.TypeControl, v.TokenTypes[id]);
        }
        for (var b = 0; b < 256; b++)
        {
            Assert.Equal($"<0x{b:X2}>", v.Tokens[TestVocabulary.FirstByteId + b]);
            Assert.Equal(TestVocabulary.TypeByte, v.TokenTypes[TestVocabulary.FirstByteId + b]);
        }

        var normal = Enumerable.Range(0, size).Where(i => v.TokenTypes[i] == TestVocabulary.TypeNormal).ToList();
        Assert.Equal(size - 261, normal.Count);
        Assert.Contains("▁", v.Tokens);
        Assert.Contains("▁a", v.Tokens);
        Assert.Contains("▁7", v.Tokens);
        Assert.Contains("?", v.Tokens);
        foreach (var i in normal)
        {
            var t = v.Tokens[i];
            Assert.Equal(t.Length, v.Scores[i]);
            if (t.Length > 1)
            {
                // Prefix-closed: SPM merging can only build a piece whose every prefix is a token.
                Assert.True(v.IndexOf(t[..^1]) >= 0, $"prefix of '{t}' missing");
            }
        }

        Assert.Equal(v.Tokens, TestVocabulary.Create(size).Tokens);
    }

    [Fact]
    public void Vocabulary_contains_the_built_in_words()
    {
        var v = TestVocabulary.Create(4096);
        foreach (var w in new[] { "▁hello", "▁Hello", "▁world", "▁what", "▁equation", "▁patient", "▁court", "▁theorem", "▁molecule", "What" })
        {
            Assert.True(v.IndexOf(w) > 0, w);
        }
    }

    [Fact]
    public void Model_info_falls_back_to_the_dominant_tensor_type_and_names_file_types()
    {
        var path = _dir.File("noftype.gguf");
        using (var w = new GgufWriter(path))
        {
            w.AddString("general.architecture", "llama");
            w.AddTensor("n", GgmlType.F32, 64);
            w.AddTensor("small", GgmlType.F16, 32, 2);
            w.AddTensor("big", GgmlType.Q8_0, 64, 4);
            w.WriteHeader();
            w.WriteTensorValues(new float[64]);
            w.WriteTensorValues(new float[64]);
            w.WriteTensorValues(new float[256]);
            w.Finish();
        }

        var info = GgufModelInfo.FromFile(GgufReader.Read(path));
        Assert.Equal("Q8_0", info.Quantization);
        Assert.Null(info.FileType);
        Assert.Equal(0, info.ContextLength);
        Assert.Equal("Q4_K_M", GgufModelInfo.FileTypeName(15));
        Assert.Equal("Q8_0", GgufModelInfo.FileTypeName(7 | 1024));
        Assert.Equal("F32", GgufModelInfo.FileTypeName(0));
        Assert.Null(GgufModelInfo.FileTypeName(999));

        var ex = Assert.Throws<GgufFormatException>(info.Validate);
        Assert.Equal(GgufProblem.MissingKey, ex.Problem);
    }
}
