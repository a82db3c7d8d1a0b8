using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.LlamaCpp.Tests.Gguf;

public sealed class GgufReaderErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Missing_file_is_NotFound()
    {
        var path = _dir.File("nope.gguf");
        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(path));
        AssertNames(ex, path, GgufProblem.NotFound);

        var missingDir = Path.Combine(_dir.Path, "no-such-dir", "m.gguf");
        AssertNames(Assert.Throws<GgufFormatException>(() => GgufModelInfo.Read(missingDir)), missingDir, GgufProblem.NotFound);
    }

    [Fact]
    public void Directory_is_IsDirectory()
    {
        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(_dir.Path));
        AssertNames(ex, _dir.Path, GgufProblem.IsDirectory);
    }

    [Fact]
    public void Empty_file_is_Empty() => AssertProblem([], GgufProblem.Empty);

    [Theory]
    [InlineData("GGUX")]
    [InlineData("ggml")]
    [InlineData("\0\0\0\0")]
    [InlineData("X")]
    [InlineData("<!DOCTYPE html>")]
    public void Wrong_magic_is_BadMagic(string start)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(start).Concat(new byte[20]).ToArray();
        AssertProblem(bytes, GgufProblem.BadMagic);
        if (start[0] != 'G')
        {
            AssertProblem(System.Text.Encoding.ASCII.GetBytes(start)[..1], GgufProblem.BadMagic);
        }
    }

    [Fact]
    public void Magic_prefix_only_is_Truncated() => AssertProblem("GGU"u8.ToArray(), GgufProblem.Truncated);

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(4u)]
    [InlineData(0x03000000u)]
    [InlineData(uint.MaxValue)]
    public void Unsupported_version(uint version) =>
        AssertProblem(new RawGgufBuilder().Header(0, 0, version).ToArray(), GgufProblem.UnsupportedVersion);

    [Fact]
    public void Version_2_is_accepted()
    {
        var f = GgufReader.Read(new MemoryStream(new RawGgufBuilder().Header(0, 1, version: 2).KvU32("a", 1).ToArray()), "v2");
        Assert.Equal(2u, f.Version);
    }

    [Fact]
    public void Every_truncation_of_a_valid_file_is_a_typed_error()
    {
        var path = _dir.File("tiny.gguf");
        TestModelGenerator.Generate(TestModelSpec.Tiny with { VocabSize = 512, BlockCount = 1 }, path);
        var bytes = File.ReadAllBytes(path);
        var file = GgufReader.Read(path);
        GgufHeaderFields.Walk(bytes, out var headerEnd);

        var cuts = Enumerable.Range(0, headerEnd + 40).Select(i => (long)i).ToList();
        var rng = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            cuts.Add(rng.NextInt64(headerEnd, bytes.Length));
        }

        foreach (var cut in cuts)
        {
            var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(bytes, 0, (int)cut), "cut.gguf"));
            var expected = cut == 0 ? GgufProblem.Empty : cut < headerEnd ? GgufProblem.Truncated : GgufProblem.TensorOutOfBounds;
            Assert.True(ex.Problem == expected, $"cut at {cut}: {ex.Message}");
            Assert.Contains("cut.gguf", ex.Message, StringComparison.Ordinal);
        }

        // A few through the file system too, for the path in the message.
        foreach (var cut in new[] { 1, 7, 30, headerEnd - 1, headerEnd + 1, bytes.Length - 1 })
        {
            var p = _dir.Write($"cut{cut}.gguf", bytes[..cut]);
            var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(p));
            Assert.Equal(p, ex.FilePath);
            Assert.Contains(p, ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(bytes.Length, GgufReader.Read(new MemoryStream(bytes), "whole").FileSize);
        Assert.Equal(file.DataOffset, (headerEnd + 31) / 32 * 32);
    }

    [Theory]
    [InlineData(1L << 40)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Absurd_tensor_count_is_LimitExceeded(long count) =>
        AssertProblem(new RawGgufBuilder().Header(count, 0).Zeros(64).ToArray(), GgufProblem.LimitExceeded);

    [Theory]
    [InlineData(1L << 40)]
    [InlineData(-5L)]
    public void Absurd_kv_count_is_LimitExceeded(long count) =>
        AssertProblem(new RawGgufBuilder().Header(0, count).Zeros(64).ToArray(), GgufProblem.LimitExceeded);

    [Fact]
    public void Counts_the_file_cannot_hold_are_Truncated()
    {
        AssertProblem(new RawGgufBuilder().Header(1000, 0).Zeros(64).ToArray(), GgufProblem.Truncated);
        AssertProblem(new RawGgufBuilder().Header(0, 1000).Zeros(64).ToArray(), GgufProblem.Truncated);
    }

    [Theory]
    [InlineData(1UL << 60)]
    [InlineData(ulong.MaxValue)]
    [InlineData((1UL << 30) + 1)]
    public void Absurd_string_length_is_LimitExceeded(ulong length)
    {
        // In a key.
        AssertProblem(new RawGgufBuilder().Header(0, 1).U64(length).Zeros(64).ToArray(), GgufProblem.LimitExceeded);

        // In a value.
        AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(8).U64(length).Zeros(64).ToArray(), GgufProblem.LimitExceeded);

        // In a tensor name.
        AssertProblem(new RawGgufBuilder().Header(1, 0).U64(length).Zeros(64).ToArray(), GgufProblem.LimitExceeded);
    }

    [Fact]
    public void String_longer_than_the_rest_of_the_file_is_Truncated() =>
        AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(8).U64(1000).Zeros(64).ToArray(), GgufProblem.Truncated);

    [Theory]
    [InlineData(1UL << 40)]
    [InlineData(ulong.MaxValue)]
    public void Absurd_array_length_is_LimitExceeded(ulong count)
    {
        foreach (var elementType in new[] { 0, 6, 8, 9, 12 })
        {
            AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(9).I32(elementType).U64(count).Zeros(64).ToArray(), GgufProblem.LimitExceeded);
        }
    }

    [Fact]
    public void Array_longer_than_the_rest_of_the_file_is_Truncated()
    {
        AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(9).I32(8).U64(1 << 20).Zeros(64).ToArray(), GgufProblem.Truncated);
        AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(9).I32(12).U64(100).Zeros(64).ToArray(), GgufProblem.Truncated);
    }

    [Fact]
    public void Too_deeply_nested_arrays_are_LimitExceeded()
    {
        var b = new RawGgufBuilder().Header(0, 1).Str("k").I32(9);
        for (var i = 0; i < 20; i++)
        {
            b.I32(9).U64(1);
        }

        AssertProblem(b.I32(0).U64(0).ToArray(), GgufProblem.LimitExceeded);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void Invalid_value_type_is_InvalidValueType(int type)
    {
        AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(type).Zeros(64).ToArray(), GgufProblem.InvalidValueType);
        AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(9).I32(type).U64(1).Zeros(64).ToArray(), GgufProblem.InvalidValueType);
    }

    [Fact]
    public void Duplicate_and_empty_keys_are_rejected()
    {
        AssertProblem(new RawGgufBuilder().Header(0, 2).KvU32("a", 1).KvU32("a", 2).ToArray(), GgufProblem.DuplicateKey);
        AssertProblem(new RawGgufBuilder().Header(0, 1).KvU32(string.Empty, 1).ToArray(), GgufProblem.InvalidMetadata);
    }

    [Fact]
    public void Invalid_utf8_is_InvalidUtf8()
    {
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0x61, 0x80], [0xF0, 0x9F, 0x98]];
        foreach (var b in bad)
        {
            // Key.
            AssertProblem(new RawGgufBuilder().Header(0, 1).RawStr(b).I32(4).U32(1).ToArray(), GgufProblem.InvalidUtf8);

            // String value.
            AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(8).RawStr(b).ToArray(), GgufProblem.InvalidUtf8);

            // Element of a string array.
            AssertProblem(new RawGgufBuilder().Header(0, 1).Str("k").I32(9).I32(8).U64(2).Str("ok").RawStr(b).ToArray(), GgufProblem.InvalidUtf8);

            // Tensor name.
            AssertProblem(new RawGgufBuilder().Header(1, 0).RawStr(b).U32(1).I64(8).I32(0).U64(0).PadTo(32).Zeros(32).ToArray(), GgufProblem.InvalidUtf8);
        }
    }

    [Fact]
    public void Bad_alignment_metadata_is_InvalidMetadata()
    {
        AssertProblem(new RawGgufBuilder().Header(0, 1).KvU32("general.alignment", 0).ToArray(), GgufProblem.InvalidMetadata);
        AssertProblem(new RawGgufBuilder().Header(0, 1).KvU32("general.alignment", 48).ToArray(), GgufProblem.InvalidMetadata);
        AssertProblem(new RawGgufBuilder().Header(0, 1).Str("general.alignment").I32(10).U64(32).ToArray(), GgufProblem.InvalidMetadata);
    }

    [Theory]
    [InlineData(new long[] { 1L << 62, 1L << 62 })]
    [InlineData(new long[] { long.MaxValue, 2 })]
    [InlineData(new long[] { 0 })]
    [InlineData(new long[] { -4 })]
    [InlineData(new long[] { 4, 4, 4, 4, 4 })]
    [InlineData(new long[] { 1L << 61 })]
    public void Absurd_dimensions_are_BadTensor(long[] dims)
    {
        var b = new RawGgufBuilder().Header(1, 0).Tensor("t", GgmlType.F32, 0, dims).PadTo(32).Zeros(64);
        AssertProblem(b.ToArray(), GgufProblem.BadTensor);
    }

    [Fact]
    public void Rows_not_a_multiple_of_the_block_and_long_names_are_BadTensor()
    {
        AssertProblem(new RawGgufBuilder().Header(1, 0).Tensor("t", GgmlType.Q8_0, 0, 33).PadTo(32).Zeros(64).ToArray(), GgufProblem.BadTensor);
        AssertProblem(new RawGgufBuilder().Header(1, 0).Tensor(new string('n', 64), GgmlType.F32, 0, 1).PadTo(32).Zeros(64).ToArray(), GgufProblem.BadTensor);
        GgufReader.Read(new MemoryStream(new RawGgufBuilder().Header(1, 0).Tensor(new string('n', 63), GgmlType.F32, 0, 1).PadTo(32).Zeros(32).ToArray()), "ok");
    }

    [Fact]
    public void Duplicate_tensor_name_is_rejected() =>
        AssertProblem(
            new RawGgufBuilder().Header(2, 0).Tensor("t", GgmlType.F32, 0, 8).Tensor("t", GgmlType.F32, 32, 8).PadTo(32).Zeros(64).ToArray(),
            GgufProblem.DuplicateTensorName);

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(31)]
    [InlineData(36)]
    [InlineData(43)]
    [InlineData(-1)]
    [InlineData(1000)]
    public void Unknown_ggml_type_is_UnknownTensorType(int type) =>
        AssertProblem(new RawGgufBuilder().Header(1, 0).Tensor("t", type, 0, 32).PadTo(32).Zeros(256).ToArray(), GgufProblem.UnknownTensorType);

    [Theory]
    [InlineData(1UL)]
    [InlineData(33UL)]
    [InlineData(ulong.MaxValue)]
    public void Misaligned_offset_is_MisalignedTensor(ulong offset) =>
        AssertProblem(new RawGgufBuilder().Header(1, 0).Tensor("t", GgmlType.F32, offset, 8).PadTo(32).Zeros(64).ToArray(), GgufProblem.MisalignedTensor);

    [Theory]
    [InlineData(64UL)]
    [InlineData(1UL << 40)]
    [InlineData(0xFFFF_FFFF_FFFF_FFE0UL)]
    [InlineData(0x8000_0000_0000_0000UL)]
    public void Offset_outside_the_file_is_TensorOutOfBounds(ulong offset) =>
        AssertProblem(new RawGgufBuilder().Header(1, 0).Tensor("t", GgmlType.F32, offset, 8).PadTo(32).Zeros(64).ToArray(), GgufProblem.TensorOutOfBounds);

    [Fact]
    public void Tensor_data_past_the_end_is_TensorOutOfBounds()
    {
        AssertProblem(new RawGgufBuilder().Header(1, 0).Tensor("t", GgmlType.F32, 0, 1024).PadTo(32).Zeros(100).ToArray(), GgufProblem.TensorOutOfBounds);

        // Exactly fitting data is fine.
        var ok = new RawGgufBuilder().Header(1, 0).Tensor("t", GgmlType.F32, 0, 1024).PadTo(32).Zeros(4096).ToArray();
        Assert.Equal(4096, GgufReader.Read(new MemoryStream(ok), "ok").Tensors[0].ByteSize);
        AssertProblem(ok[..^1], GgufProblem.TensorOutOfBounds);
    }

    [Fact]
    public void Unsupported_architecture_is_reported_by_model_info()
    {
        var path = _dir.File("arch.gguf");
        using (var w = new GgufWriter(path))
        {
            w.AddString("general.architecture", "gpt-17");
            w.AddString("tokenizer.ggml.model", "llama");
            w.WriteHeader();
            w.Finish();
        }

        Assert.Equal("gpt-17", GgufReader.Read(path).GetString("general.architecture"));
        var ex = Assert.Throws<GgufFormatException>(() => GgufModelInfo.Read(path));
        AssertNames(ex, path, GgufProblem.UnsupportedArchitecture);
        Assert.Contains("gpt-17", ex.Message, StringComparison.Ordinal);
        Assert.True(GgufArchitectures.IsSupported("llama"));
        Assert.True(GgufArchitectures.IsSupported("qwen2"));
        Assert.False(GgufArchitectures.IsSupported("(unknown)"));
        Assert.False(GgufArchitectures.IsSupported("Llama"));
    }

    [Fact]
    public void Missing_or_mistyped_model_keys_are_reported()
    {
        var spec = TestModelSpec.Tiny with { VocabSize = 512 };
        var path = _dir.File("ok.gguf");
        TestModelGenerator.Generate(spec, path);
        var valid = GgufReader.Read(path);

        foreach (var drop in new[] { "general.architecture", "llama.context_length", "llama.embedding_length", "llama.block_count", "llama.attention.head_count", "llama.attention.layer_norm_rms_epsilon", "tokenizer.ggml.model", "tokenizer.ggml.tokens" })
        {
            var p = _dir.File($"drop-{drop}.gguf");
            Rewrite(valid, p, (key, value) => key == drop ? null : value);
            var ex = Assert.Throws<GgufFormatException>(() => GgufModelInfo.Read(p));
            AssertNames(ex, p, GgufProblem.MissingKey);
            Assert.Contains(drop, ex.Message, StringComparison.Ordinal);
        }

        var typed = _dir.File("typed.gguf");
        Rewrite(valid, typed, (key, value) => key == "llama.context_length" ? GgufMetadataValue.FromString("long") : value);
        AssertNames(Assert.Throws<GgufFormatException>(() => GgufModelInfo.Read(typed)), typed, GgufProblem.WrongKeyType);
    }

    [Fact]
    public void Offsets_are_reported()
    {
        var ex = Assert.Throws<GgufFormatException>(() =>
            GgufReader.Read(new MemoryStream(new RawGgufBuilder().Header(0, 2).KvU32("a", 1).Str("k").I32(77).ToArray()), "off.gguf"));
        Assert.Equal(GgufProblem.InvalidValueType, ex.Problem);
        Assert.Equal(24 + 17 + 9, ex.Offset);
        Assert.Contains("byte offset 50", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Copies the header of <paramref name="source"/> with metadata transformed (null drops a key) and zero tensor data.</summary>
    private static void Rewrite(GgufFile source, string path, Func<string, GgufMetadataValue, GgufMetadataValue?> map)
    {
        using var w = new GgufWriter(path);
        foreach (var key in source.MetadataKeys)
        {
            if (map(key, source.Metadata[key]) is { } value)
            {
                w.AddMetadata(key, value);
            }
        }

        foreach (var t in source.Tensors)
        {
            w.AddTensor(t.Name, t.Type, [.. t.Dimensions]);
        }

        w.WriteHeader();
        foreach (var t in source.Tensors)
        {
            w.WriteTensorData(new byte[t.ByteSize]);
        }

        w.Finish();
    }

    private void AssertProblem(byte[] bytes, GgufProblem expected)
    {
        var path = _dir.Write($"case-{Guid.NewGuid():N}.gguf", bytes);
        var ex = Assert.Throws<GgufFormatException>(() => GgufReader.Read(path));
        AssertNames(ex, path, expected);

        var fromStream = Assert.Throws<GgufFormatException>(() => GgufReader.Read(new MemoryStream(bytes), "stream.gguf"));
        Assert.Equal(expected, fromStream.Problem);
        Assert.Equal("stream.gguf", fromStream.FilePath);
    }

    private static void AssertNames(GgufFormatException ex, string path, GgufProblem expected)
    {
        Assert.True(ex.Problem == expected, $"expected {expected}, got {ex.Problem}: {ex.Message}");
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected.ToString(), ex.Message, StringComparison.Ordinal);
    }
}
