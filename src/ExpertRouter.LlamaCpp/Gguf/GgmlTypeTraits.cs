namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// Block geometry of the ggml tensor types (the <c>GGML_QUANT_SIZES</c> table of gguf-py): how many values
/// one block holds and how many bytes it takes, and the byte size of a tensor computed from them.
/// </summary>
public static class GgmlTypeTraits
{
    private const int QK_K = 256;

    /// <summary>True when <paramref name="type"/> is a type id ggml currently defines.</summary>
    public static bool IsKnown(GgmlType type) => TryGetBlock(type, out _, out _);

    /// <summary>Values per block (1 for plain types such as F32).</summary>
    public static int GetBlockSize(GgmlType type) =>
        TryGetBlock(type, out var values, out _) ? values : throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown ggml type.");

    /// <summary>Bytes per block.</summary>
    public static int GetBlockBytes(GgmlType type) =>
        TryGetBlock(type, out _, out var bytes) ? bytes : throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown ggml type.");

    /// <summary>The block geometry of <paramref name="type"/>, or false for an unknown id.</summary>
    public static bool TryGetBlock(GgmlType type, out int valuesPerBlock, out int bytesPerBlock)
    {
        (valuesPerBlock, bytesPerBlock) = type switch
        {
            GgmlType.F32 => (1, 4),
            GgmlType.F16 => (1, 2),
            GgmlType.Q4_0 => (32, 2 + 16),
            GgmlType.Q4_1 => (32, 2 + 2 + 16),
            GgmlType.Q5_0 => (32, 2 + 4 + 16),
            GgmlType.Q5_1 => (32, 2 + 2 + 4 + 16),
            GgmlType.Q8_0 => (32, 2 + 32),
            GgmlType.Q8_1 => (32, 2 + 2 + 32),
            GgmlType.Q2_K => (256, 2 + 2 + (QK_K / 16) + (QK_K / 4)),
            GgmlType.Q3_K => (256, 2 + (QK_K / 4) + (QK_K / 8) + 12),
            GgmlType.Q4_K => (256, 2 + 2 + (QK_K / 2) + 12),
            GgmlType.Q5_K => (256, 2 + 2 + (QK_K / 2) + (QK_K / 8) + 12),
            GgmlType.Q6_K => (256, 2 + (QK_K / 2) + (QK_K / 4) + (QK_K / 16)),
            GgmlType.Q8_K => (256, 4 + QK_K + (QK_K / 8)),
            GgmlType.IQ2_XXS => (256, 2 + (QK_K / 4)),
            GgmlType.IQ2_XS => (256, 2 + (QK_K / 4) + (QK_K / 32)),
            GgmlType.IQ3_XXS => (256, 2 + (QK_K / 4) + (QK_K / 8)),
            GgmlType.IQ1_S => (256, 2 + (QK_K / 8) + (QK_K / 16)),
            GgmlType.IQ4_NL => (32, 2 + 16),
            GgmlType.IQ3_S => (256, 2 + (QK_K / 4) + (QK_K / 8) + (QK_K / 32) + 4),
            GgmlType.IQ2_S => (256, 2 + (QK_K / 4) + (QK_K / 16)),
            GgmlType.IQ4_XS => (256, 2 + 2 + (QK_K / 2) + (QK_K / 64)),
            GgmlType.I8 => (1, 1),
            GgmlType.I16 => (1, 2),
            GgmlType.I32 => (1, 4),
            GgmlType.I64 => (1, 8),
            GgmlType.F64 => (1, 8),
            GgmlType.IQ1_M => (256, (QK_K / 8) + (QK_K / 16) + (QK_K / 32)),
            GgmlType.BF16 => (1, 2),
            GgmlType.TQ1_0 => (256, 2 + (4 * 13)),
            GgmlType.TQ2_0 => (256, 2 + 64),
            GgmlType.MXFP4 => (32, 1 + 16),
            GgmlType.NVFP4 => (64, 4 + 32),
            GgmlType.Q1_0 => (128, 2 + 16),
            GgmlType.Q2_0 => (64, 2 + 16),
            _ => (0, 0),
        };
        return valuesPerBlock != 0;
    }

    /// <summary>
    /// The number of elements and bytes of a tensor of <paramref name="type"/> with dimensions
    /// <paramref name="dimensions"/> (ne0 first). False when the type is unknown, a dimension is not positive,
    /// the row length is not a multiple of the block size, or a count overflows <see cref="long"/>.
    /// </summary>
    public static bool TryGetTensorSize(GgmlType type, ReadOnlySpan<long> dimensions, out long elementCount, out long byteCount)
    {
        elementCount = 0;
        byteCount = 0;
        if (!TryGetBlock(type, out var blockValues, out var blockBytes))
        {
            return false;
        }

        long count = 1;
        foreach (var d in dimensions)
        {
            if (d <= 0 || count > long.MaxValue / d)
            {
                return false;
            }

            count *= d;
        }

        var rowLength = dimensions.IsEmpty ? 1 : dimensions[0];
        if (rowLength % blockValues != 0)
        {
            return false;
        }

        var blocks = count / blockValues;
        if (blocks > long.MaxValue / blockBytes)
        {
            return false;
        }

        elementCount = count;
        byteCount = blocks * blockBytes;
        return true;
    }

    /// <summary>The byte size of a tensor; throws <see cref="ArgumentException"/> where <see cref="TryGetTensorSize"/> fails.</summary>
    public static long GetTensorByteSize(GgmlType type, ReadOnlySpan<long> dimensions) =>
        TryGetTensorSize(type, dimensions, out _, out var bytes)
            ? bytes
            : throw new ArgumentException($"Invalid tensor shape for type {type}.", nameof(dimensions));
}
