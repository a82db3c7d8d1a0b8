using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.LlamaCpp.Tests.Gguf;

public sealed class GgufRoundTripTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Every_value_type_and_array_round_trips()
    {
        var path = _dir.File("values.gguf");
        var nested = GgufMetadataValue.FromArray<GgufMetadataValue>(
        [
            GgufMetadataValue.FromArray<int>([1, 2, 3]),
            GgufMetadataValue.FromArray<string>(["x", string.Empty]),
            GgufMetadataValue.FromArray<GgufMetadataValue>([GgufMetadataValue.FromArray<double>([0.5])]),
        ]);
        using (var w = new GgufWriter(path))
        {
            w.AddUInt8("u8", byte.MaxValue);
            w.AddInt8("i8", sbyte.MinValue);
            w.AddUInt16("u16", ushort.MaxValue);
            w.AddInt16("i16", short.MinValue);
            w.AddUInt32("u32", uint.MaxValue);
            w.AddInt32("i32", int.MinValue);
            w.AddFloat32("f32", 3.25f);
            w.AddBool("true", true);
            w.AddBool("false", false);
            w.AddString("str", "héllo ▁ 日本 🎉");
            w.AddString("empty", string.Empty);
            w.AddUInt64("u64", ulong.MaxValue);
            w.AddInt64("i64", long.MinValue);
            w.AddFloat64("f64", Math.PI);
            w.AddArray<string>("a.str", ["a", string.Empty, "▁b", "<0x0A>"]);
            w.AddArray<float>("a.f32", [1.5f, -2f, float.PositiveInfinity]);
            w.AddArray<int>("a.i32", [int.MinValue, 0, int.MaxValue]);
            w.AddArray<int>("a.empty", []);
            w.AddArray<byte>("a.u8", [0, 127, 255]);
            w.AddArray<sbyte>("a.i8", [-128, 127]);
            w.AddArray<ushort>("a.u16", [1, 65535]);
            w.AddArray<short>("a.i16", [-32768, 32767]);
            w.AddArray<uint>("a.u32", [7, uint.MaxValue]);
            w.AddArray<bool>("a.bool", [true, false, true]);
            w.AddArray<ulong>("a.u64", [ulong.MaxValue]);
            w.AddArray<long>("a.i64", [long.MinValue, -1]);
            w.AddArray<double>("a.f64", [double.Epsilon, -0.0]);
            w.AddMetadata("a.nested", nested);
            w.WriteHeader();
            w.Finish();
        }

        var f = GgufReader.Read(path);
        Assert.Equal(3u, f.Version);
        Assert.Equal(32, f.Alignment);
        Assert.Empty(f.Tensors);
        Assert.Equal(new FileInfo(path).Length, f.FileSize);
        Assert.Equal(f.FileSize, f.DataOffset);
        Assert.Equal(
            ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "true", "false", "str", "empty", "u64", "i64", "f64", "a.str", "a.f32", "a.i32", "a.empty", "a.u8", "a.i8", "a.u16", "a.i16", "a.u32", "a.bool", "a.u64", "a.i64", "a.f64", "a.nested"],
            f.MetadataKeys);
        var m = f.Metadata;
        Assert.Equal(byte.MaxValue, m["u8"].AsUInt8());
        Assert.Equal(sbyte.MinValue, m["i8"].AsInt8());
        Assert.Equal(ushort.MaxValue, m["u16"].AsUInt16());
        Assert.Equal(short.MinValue, m["i16"].AsInt16());
        Assert.Equal(uint.MaxValue, m["u32"].AsUInt32());
        Assert.Equal(int.MinValue, m["i32"].AsInt32());
        Assert.Equal(3.25f, m["f32"].AsFloat32());
        Assert.True(m["true"].AsBool());
        Assert.False(m["false"].AsBool());
        Assert.Equal("héllo ▁ 日本 🎉", m["str"].AsString());
        Assert.Equal(string.Empty, m["empty"].AsString());
        Assert.Equal(ulong.MaxValue, m["u64"].AsUInt64());
        Assert.Equal(long.MinValue, m["i64"].AsInt64());
        Assert.Equal(Math.PI, m["f64"].AsFloat64());
        Assert.Equal(GgufValueType.UInt64, m["u64"].Type);
        Assert.Equal(["a", string.Empty, "▁b", "<0x0A>"], m["a.str"].AsArray<string>());
        Assert.Equal(GgufValueType.String, m["a.str"].ElementType);
        Assert.Equal([1.5f, -2f, float.PositiveInfinity], m["a.f32"].AsArray<float>());
        Assert.Equal([int.MinValue, 0, int.MaxValue], m["a.i32"].AsArray<int>());
        Assert.Empty(m["a.empty"].AsArray<int>());
        Assert.Equal(GgufValueType.Int32, m["a.empty"].ElementType);
        Assert.Equal([(byte)0, (byte)127, (byte)255], m["a.u8"].AsArray<byte>());
        Assert.Equal([(sbyte)-128, (sbyte)127], m["a.i8"].AsArray<sbyte>());
        Assert.Equal([(ushort)1, (ushort)65535], m["a.u16"].AsArray<ushort>());
        Assert.Equal([(short)-32768, (short)32767], m["a.i16"].AsArray<short>());
        Assert.Equal([7u, uint.MaxValue], m["a.u32"].AsArray<uint>());
        Assert.Equal([true, false, true], m["a.bool"].AsArray<bool>());
        Assert.Equal([ulong.MaxValue], m["a.u64"].AsArray<ulong>());
        Assert.Equal([long.MinValue, -1L], m["a.i64"].AsArray<long>());
        Assert.Equal([double.Epsilon, -0.0], m["a.f64"].AsArray<double>());

        var n = m["a.nested"];
        Assert.Equal(GgufValueType.Array, n.ElementType);
        var inner = n.AsArray<GgufMetadataValue>();
        Assert.Equal(3, inner.Count);
        Assert.Equal([1, 2, 3], inner[0].AsArray<int>());
        Assert.Equal(["x", string.Empty], inner[1].AsArray<string>());
        Assert.Equal([0.5], inner[2].AsArray<GgufMetadataValue>()[0].AsArray<double>());

        Assert.Throws<InvalidCastException>(() => m["u32"].AsInt32());
        Assert.Throws<InvalidCastException>(() => m["a.i32"].AsArray<float>());
        Assert.True(m["u16"].TryGetInteger(out var asLong));
        Assert.Equal(65535, asLong);
    }

    [Fact]
    public void Tensor_infos_offsets_and_data_round_trip()
    {
        var path = _dir.File("tensors.gguf");
        float[] a = [1, 2, 3, 4, 5, 6];
        var b = Enumerable.Range(0, 128).Select(i => (i - 64) / 10f).ToArray();
        float[] c = [0.5f, -1, 2, 65504, 0];
        using (var w = new GgufWriter(path))
        {
            w.AddString("general.architecture", "test");
            w.AddTensor("a", GgmlType.F32, 3, 2);
            w.AddTensor("b", GgmlType.Q8_0, 64, 2);
            w.AddTensor("c", GgmlType.F16, 5);
            w.AddTensor("raw", GgmlType.I8, 7, 1, 1, 1);
            w.WriteHeader();
            Assert.Equal("a", w.CurrentTensor);
            w.WriteTensorValues(a.AsSpan(0, 3));
            w.WriteTensorValues(a.AsSpan(3));
            Assert.Equal("b", w.CurrentTensor);
            w.WriteTensorValues(b);
            w.WriteTensorValues(c);
            w.WriteTensorData([1, 2, 3, 4, 5, 6, 7]);
            Assert.Null(w.CurrentTensor);
            w.Finish();
        }

        var f = GgufReader.Read(path);
        Assert.Equal(4, f.Tensors.Count);
        Assert.Equal(0, f.DataOffset % 32);
        var ta = f.Tensors[0];
        Assert.Equal("a", ta.Name);
        Assert.Equal(GgmlType.F32, ta.Type);
        Assert.Equal([3L, 2L], ta.Dimensions);
        Assert.Equal(0ul, ta.Offset);
        Assert.Equal(6, ta.ElementCount);
        Assert.Equal(24, ta.ByteSize);
        var tb = f.FindTensor("b")!;
        Assert.Equal(32ul, tb.Offset);
        Assert.Equal(2 * 2 * 34, tb.ByteSize);
        var tc = f.FindTensor("c")!;
        Assert.Equal(192ul, tc.Offset);
        Assert.Equal(10, tc.ByteSize);
        var raw = f.FindTensor("raw")!;
        Assert.Equal([7L, 1L, 1L, 1L], raw.Dimensions);
        Assert.Equal(f.DataOffset + 224, raw.DataOffset);
        Assert.Equal(6 + 128 + 5 + 7, f.ParameterCount);
        Assert.Null(f.FindTensor("missing"));

        var bytes = File.ReadAllBytes(path);
        var back = new float[6];
        GgmlEncoder.DecodeF32(bytes.AsSpan((int)ta.DataOffset), back);
        Assert.Equal(a, back);
        var backB = new float[128];
        GgmlEncoder.DecodeQ8_0(bytes.AsSpan((int)tb.DataOffset), backB);
        for (var i = 0; i < b.Length; i++)
        {
            Assert.InRange(backB[i] - b[i], -0.03f, 0.03f);
        }

        var backC = new float[5];
        GgmlEncoder.DecodeF16(bytes.AsSpan((int)tc.DataOffset), backC);
        Assert.Equal(c, backC);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], bytes.AsSpan((int)raw.DataOffset, 7).ToArray());
        Assert.Equal(raw.DataOffset + 32, bytes.Length);
    }

    [Fact]
    public void Custom_alignment_is_written_and_honoured()
    {
        var path = _dir.File("aligned.gguf");
        using (var w = new GgufWriter(path, alignment: 64))
        {
            w.AddTensor("x", GgmlType.F32, 5);
            w.AddTensor("y", GgmlType.F32, 3);
            w.WriteHeader();
            w.WriteTensorValues([1, 2, 3, 4, 5]);
            w.WriteTensorValues([6, 7, 8]);
            w.Finish();
        }

        var f = GgufReader.Read(path);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(64u, f.Metadata["general.alignment"].AsUInt32());
        Assert.Equal(0, f.DataOffset % 64);
        Assert.Equal(64ul, f.Tensors[1].Offset);
        Assert.Equal(0, new FileInfo(path).Length % 64);
    }

    [Fact]
    public void Writer_rejects_misuse()
    {
        using var ms = new MemoryStream();
        using var w = new GgufWriter(ms, leaveOpen: true);
        w.AddUInt32("k", 1);
        Assert.Throws<ArgumentException>(() => w.AddUInt32("k", 2));
        Assert.Throws<ArgumentException>(() => w.AddString(string.Empty, "v"));
        Assert.Throws<ArgumentException>(() => w.AddUInt64("general.alignment", 32));
        Assert.Throws<ArgumentException>(() => w.AddTensor("q", GgmlType.Q8_0, 33));
        Assert.Throws<ArgumentException>(() => w.AddTensor("z", GgmlType.F32, 0));
        Assert.Throws<ArgumentException>(() => w.AddTensor("d5", GgmlType.F32, 1, 1, 1, 1, 1));
        Assert.Throws<ArgumentException>(() => w.AddTensor(new string('n', 64), GgmlType.F32, 1));
        Assert.Throws<InvalidOperationException>(() => w.WriteTensorData([1]));
        w.AddTensor("t", GgmlType.F32, 4);
        Assert.Throws<ArgumentException>(() => w.AddTensor("t", GgmlType.F32, 4));
        w.WriteHeader();
        Assert.Throws<InvalidOperationException>(() => w.AddUInt32("late", 1));
        Assert.Throws<ArgumentException>(() => w.WriteTensorData(new byte[17]));
        Assert.Throws<InvalidOperationException>(w.Finish);
        w.WriteTensorValues([1, 2, 3, 4]);
        Assert.Throws<InvalidOperationException>(() => w.WriteTensorValues([5]));
        w.Finish();
        Assert.Throws<ArgumentException>(() => GgufMetadataValue.FromArray<DateTime>([DateTime.Now]));
    }

    [Fact]
    public void Stream_overload_reads_from_the_current_position()
    {
        using var ms = new MemoryStream();
        ms.Write([9, 9, 9]);
        using (var w = new GgufWriter(ms, leaveOpen: true))
        {
            w.AddString("general.name", "x");
            w.WriteHeader();
            w.Finish();
        }

        ms.Position = 3;
        var f = GgufReader.Read(ms, "in-memory");
        Assert.Equal("in-memory", f.FilePath);
        Assert.Equal("x", f.GetString("general.name"));
        Assert.Equal(ms.Length - 3, f.FileSize);
    }
}
