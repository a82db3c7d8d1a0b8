using System.Buffers.Binary;
using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.LlamaCpp.Tests.Gguf;

public sealed class GgmlEncoderTests
{
    [Theory]
    [InlineData(1.0f, 0x3C00)]
    [InlineData(-2.0f, 0xC000)]
    [InlineData(0.5f, 0x3800)]
    [InlineData(65504f, 0x7BFF)]
    [InlineData(0.1f, 0x2E66)]
    [InlineData(0f, 0x0000)]
    [InlineData(-0f, 0x8000)]
    [InlineData(1e-8f, 0x0000)]
    [InlineData(5.9604645e-8f, 0x0001)]
    [InlineData(70000f, 0x7C00)]
    [InlineData(float.NegativeInfinity, 0xFC00)]
    [InlineData(1.00048828125f, 0x3C00)] // halfway between 1 and the next half: ties to even
    [InlineData(1.00146484375f, 0x3C02)] // halfway between 0x3C01 and 0x3C02: ties to even
    public void F16_encodes_known_values(float value, int expected)
    {
        var bytes = new byte[2];
        Assert.Equal(2, GgmlEncoder.EncodeF16([value], bytes));
        Assert.Equal((ushort)expected, BinaryPrimitives.ReadUInt16LittleEndian(bytes));
    }

    [Fact]
    public void F16_round_trips_representable_values()
    {
        float[] values = [1, -1, 0.25f, 1024, 0.333251953125f, -65504];
        var bytes = new byte[values.Length * 2];
        GgmlEncoder.EncodeF16(values, bytes);
        var back = new float[values.Length];
        GgmlEncoder.DecodeF16(bytes, back);
        Assert.Equal(values, back);
    }

    [Fact]
    public void F32_is_little_endian_ieee()
    {
        var bytes = new byte[8];
        GgmlEncoder.EncodeF32([1f, -2.5f], bytes);
        Assert.Equal([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0], bytes);
    }

    [Fact]
    public void Q8_0_encodes_a_known_block()
    {
        // max |x| = 127 gives d = 1, so q = round(x) with halves away from zero.
        var x = new float[32];
        float[] head = [127, -127, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, 2.4999f, -2.5f, 0.49f, 100.2f, -3.7f];
        head.CopyTo(x, 0);
        var y = new byte[34];
        Assert.Equal(34, GgmlEncoder.EncodeQ8_0(x, y));
        Assert.Equal(0x3C00, BinaryPrimitives.ReadUInt16LittleEndian(y));
        sbyte[] expected = [127, -127, 1, -1, 2, -2, 3, 2, -3, 0, 100, -4];
        for (var j = 0; j < 32; j++)
        {
            Assert.Equal(j < expected.Length ? expected[j] : (sbyte)0, (sbyte)y[2 + j]);
        }
    }

    [Fact]
    public void Q8_0_scales_by_the_block_maximum()
    {
        // x = j - 16: amax = 16, d = 16/127 stored as F16, q = round(x * 127 / 16).
        var x = Enumerable.Range(0, 32).Select(j => (float)(j - 16)).ToArray();
        var y = new byte[34];
        GgmlEncoder.EncodeQ8_0(x, y);
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)(16f / 127f)), BinaryPrimitives.ReadUInt16LittleEndian(y));
        Assert.Equal(-127, (sbyte)y[2]);
        Assert.Equal(0, (sbyte)y[2 + 16]);
        Assert.Equal(8, (sbyte)y[2 + 17]); // 7.9375
        Assert.Equal(119, (sbyte)y[2 + 31]); // 119.0625
        Assert.Equal(-64, (sbyte)y[2 + 8]); // -63.5 rounds away from zero
    }

    [Fact]
    public void Q8_0_zero_block_and_multiple_blocks()
    {
        var x = new float[64];
        x[40] = -0.25f;
        var y = new byte[68];
        GgmlEncoder.EncodeQ8_0(x, y);
        Assert.All(y.AsSpan(0, 34).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)(0.25f / 127f)), BinaryPrimitives.ReadUInt16LittleEndian(y.AsSpan(34)));
        Assert.Equal(-127, (sbyte)y[34 + 2 + 8]);
    }

    [Fact]
    public void Q8_0_round_trip_error_is_within_half_a_step()
    {
        var rng = new Random(1);
        var x = Enumerable.Range(0, 32 * 50).Select(_ => (float)((rng.NextDouble() * 2) - 1) * 3).ToArray();
        var y = new byte[50 * 34];
        GgmlEncoder.EncodeQ8_0(x, y);
        var back = new float[x.Length];
        GgmlEncoder.DecodeQ8_0(y, back);
        for (var b = 0; b < 50; b++)
        {
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(y.AsSpan(b * 34));
            for (var j = 0; j < 32; j++)
            {
                var i = (b * 32) + j;
                Assert.InRange(Math.Abs(back[i] - x[i]), 0, (d * 0.5f) + (Math.Abs(x[i]) * 0.001f));
            }
        }
    }

    [Fact]
    public void Sizes_and_argument_checks()
    {
        Assert.Equal(34 * 4, GgmlEncoder.GetEncodedSize(GgmlType.Q8_0, 128));
        Assert.Equal(256, GgmlEncoder.GetEncodedSize(GgmlType.F16, 128));
        Assert.Equal(512, GgmlEncoder.GetEncodedSize(GgmlType.F32, 128));
        Assert.Throws<ArgumentException>(() => GgmlEncoder.GetEncodedSize(GgmlType.Q8_0, 33));
        Assert.Throws<ArgumentException>(() => GgmlEncoder.EncodeQ8_0(new float[31], new byte[100]));
        Assert.Throws<ArgumentException>(() => GgmlEncoder.EncodeQ8_0(new float[32], new byte[33]));
        Assert.Throws<NotSupportedException>(() => GgmlEncoder.Encode(GgmlType.Q4_K, new float[256], new byte[1000]));
        Assert.True(GgmlTypeTraits.TryGetTensorSize(GgmlType.Q4_K, [512, 3], out var n, out var bytes));
        Assert.Equal(1536, n);
        Assert.Equal(6 * 144, bytes);
        Assert.False(GgmlTypeTraits.IsKnown((GgmlType)4));
    }
}
