using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// Encoders from float32 to the tensor storage formats the writer supports (F32, F16, Q8_0) and the matching
/// decoders, all little-endian and bit-compatible with ggml's reference code.
/// </summary>
[SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "Method names carry ggml's type names (Q8_0).")]
public static class GgmlEncoder
{
    /// <summary>Values per Q8_0 block (QK8_0).</summary>
    public const int Q8BlockValues = 32;

    /// <summary>Bytes per Q8_0 block: an F16 scale and 32 signed bytes.</summary>
    public const int Q8BlockBytes = 34;

    /// <summary>True for the types <see cref="Encode"/> supports.</summary>
    public static bool CanEncode(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.Q8_0;

    /// <summary>The encoded size in bytes of <paramref name="valueCount"/> values (a multiple of the block size).</summary>
    public static long GetEncodedSize(GgmlType type, long valueCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(valueCount);
        var block = GgmlTypeTraits.GetBlockSize(type);
        if (valueCount % block != 0)
        {
            throw new ArgumentException($"{valueCount} values are not a whole number of {type} blocks of {block}.", nameof(valueCount));
        }

        return checked(valueCount / block * GgmlTypeTraits.GetBlockBytes(type));
    }

    /// <summary>Encodes <paramref name="values"/> as <paramref name="type"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Encode(GgmlType type, ReadOnlySpan<float> values, Span<byte> destination) => type switch
    {
        GgmlType.F32 => EncodeF32(values, destination),
        GgmlType.F16 => EncodeF16(values, destination),
        GgmlType.Q8_0 => EncodeQ8_0(values, destination),
        _ => throw new NotSupportedException($"Encoding to {type} is not supported (only F32, F16 and Q8_0)."),
    };

    /// <summary>Writes the values as little-endian float32.</summary>
    public static int EncodeF32(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var bytes = values.Length * 4;
        CheckDestination(destination, bytes);
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
            }
        }

        return bytes;
    }

    /// <summary>Writes the values as little-endian IEEE half precision (round to nearest even, like ggml's FP32_TO_FP16).</summary>
    public static int EncodeF16(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var bytes = values.Length * 2;
        CheckDestination(destination, bytes);
        var halves = MemoryMarshal.Cast<byte, Half>(destination[..bytes]);
        TensorPrimitives.ConvertToHalf(values, halves);
        if (!BitConverter.IsLittleEndian)
        {
            var raw = MemoryMarshal.Cast<Half, ushort>(halves);
            BinaryPrimitives.ReverseEndianness(raw, raw);
        }

        return bytes;
    }

    /// <summary>
    /// Q8_0 as in ggml's quantize_row_q8_0_ref: per block of 32 values, d = max|x| / 127 stored as F16, then
    /// 32 signed bytes round(x / d) (halves away from zero; all zero when d is 0).
    /// </summary>
    public static int EncodeQ8_0(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (values.Length % Q8BlockValues != 0)
        {
            throw new ArgumentException($"Q8_0 needs a multiple of {Q8BlockValues} values, got {values.Length}.", nameof(values));
        }

        var blocks = values.Length / Q8BlockValues;
        CheckDestination(destination, blocks * Q8BlockBytes);
        for (var b = 0; b < blocks; b++)
        {
            var x = values.Slice(b * Q8BlockValues, Q8BlockValues);
            var y = destination.Slice(b * Q8BlockBytes, Q8BlockBytes);
            var amax = TensorPrimitives.MaxMagnitude(x);
            amax = MathF.Abs(amax);
            var d = amax / 127f;
            var id = d != 0f ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(y, (Half)d);
            for (var j = 0; j < Q8BlockValues; j++)
            {
                var q = MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
                y[2 + j] = unchecked((byte)(sbyte)Math.Clamp(q, -127f, 127f));
            }
        }

        return blocks * Q8BlockBytes;
    }

    /// <summary>Reads little-endian float32 values.</summary>
    public static void DecodeF32(ReadOnlySpan<byte> source, Span<float> values)
    {
        CheckSource(source, values.Length * 4);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
        }
    }

    /// <summary>Reads little-endian half-precision values.</summary>
    public static void DecodeF16(ReadOnlySpan<byte> source, Span<float> values)
    {
        CheckSource(source, values.Length * 2);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(i * 2)..]);
        }
    }

    /// <summary>Dequantizes Q8_0 blocks: x = d * q.</summary>
    public static void DecodeQ8_0(ReadOnlySpan<byte> source, Span<float> values)
    {
        if (values.Length % Q8BlockValues != 0)
        {
            throw new ArgumentException($"Q8_0 needs a multiple of {Q8BlockValues} values, got {values.Length}.", nameof(values));
        }

        var blocks = values.Length / Q8BlockValues;
        CheckSource(source, blocks * Q8BlockBytes);
        for (var b = 0; b < blocks; b++)
        {
            var y = source.Slice(b * Q8BlockBytes, Q8BlockBytes);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(y);
            for (var j = 0; j < Q8BlockValues; j++)
            {
                values[(b * Q8BlockValues) + j] = d * unchecked((sbyte)y[2 + j]);
            }
        }
    }

    private static void CheckDestination(Span<byte> destination, int needed)
    {
        if (destination.Length < needed)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; {needed} are needed.", nameof(destination));
        }
    }

    private static void CheckSource(ReadOnlySpan<byte> source, int needed)
    {
        if (source.Length < needed)
        {
            throw new ArgumentException($"The source holds {source.Length} bytes; {needed} are needed.", nameof(source));
        }
    }
}
