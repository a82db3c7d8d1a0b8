using System.Buffers.Binary;
using System.Text;
using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.LlamaCpp.Tests.Gguf;

/// <summary>Writes GGUF structures byte by byte, so tests can build files the real writer refuses to produce.</summary>
internal sealed class RawGgufBuilder
{
    private readonly List<byte> _bytes = [];

    public long Position => _bytes.Count;

    public RawGgufBuilder Bytes(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public RawGgufBuilder U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return Bytes(b);
    }

    public RawGgufBuilder I32(int v) => U32(unchecked((uint)v));

    public RawGgufBuilder U64(ulong v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return Bytes(b);
    }

    public RawGgufBuilder I64(long v) => U64(unchecked((ulong)v));

    public RawGgufBuilder Str(string s) => RawStr(Encoding.UTF8.GetBytes(s));

    public RawGgufBuilder RawStr(byte[] utf8) => U64((ulong)utf8.Length).Bytes(utf8);

    public RawGgufBuilder Header(long tensors, long kvs, uint version = 3) => Bytes("GGUF"u8.ToArray()).U32(version).I64(tensors).I64(kvs);

    public RawGgufBuilder KvString(string key, string value) => Str(key).I32((int)GgufValueType.String).Str(value);

    public RawGgufBuilder KvU32(string key, uint value) => Str(key).I32((int)GgufValueType.UInt32).U32(value);

    public RawGgufBuilder Tensor(string name, GgmlType type, ulong offset, params long[] dims) => Tensor(name, (int)type, offset, dims);

    public RawGgufBuilder Tensor(string name, int type, ulong offset, params long[] dims)
    {
        Str(name).U32((uint)dims.Length);
        foreach (var d in dims)
        {
            I64(d);
        }

        return I32(type).U64(offset);
    }

    public RawGgufBuilder PadTo(int alignment)
    {
        while (_bytes.Count % alignment != 0)
        {
            _bytes.Add(0);
        }

        return this;
    }

    public RawGgufBuilder Zeros(int count) => Bytes(new byte[count]);

    public byte[] ToArray() => [.. _bytes];
}
