using System.Collections.ObjectModel;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>One tensor described in a GGUF header. The reader never loads the data itself.</summary>
public sealed class GgufTensorInfo
{
    internal GgufTensorInfo(string name, GgmlType type, long[] dimensions, ulong offset, long dataOffset, long elementCount, long byteSize)
    {
        Name = name;
        Type = type;
        Dimensions = new ReadOnlyCollection<long>(dimensions);
        Offset = offset;
        DataOffset = dataOffset;
        ElementCount = elementCount;
        ByteSize = byteSize;
    }

    /// <summary>The tensor name, e.g. <c>blk.0.attn_q.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The storage type.</summary>
    public GgmlType Type { get; }

    /// <summary>The shape in ggml order: ne0 (the contiguous row length) first.</summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>The offset of the data relative to the start of the data section, as stored in the file.</summary>
    public ulong Offset { get; }

    /// <summary>The absolute byte offset of the data in the file.</summary>
    public long DataOffset { get; }

    /// <summary>The product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>The size of the data in bytes, computed from type and shape.</summary>
    public long ByteSize { get; }

    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Dimensions)}]";
}
