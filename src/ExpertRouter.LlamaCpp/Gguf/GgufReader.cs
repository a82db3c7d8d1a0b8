using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// Reads the header of a GGUF file (magic, version, metadata, tensor infos) without touching tensor data, so
/// it is fast for files of any size. Every count and length is checked against the bytes left in the file
/// before anything is allocated, and every failure is a <see cref="GgufFormatException"/>.
/// </summary>
public static class GgufReader
{
    /// <summary>The default alignment of the tensor data section (GGUF_DEFAULT_ALIGNMENT).</summary>
    public const int DefaultAlignment = 32;

    /// <summary>Longest accepted string, in bytes (GGUF_MAX_STRING_LENGTH of gguf.cpp).</summary>
    public const long MaxStringLength = 1L << 30;

    /// <summary>Most elements accepted in one array (GGUF_MAX_ARRAY_ELEMENTS of gguf.cpp).</summary>
    public const long MaxArrayLength = 1L << 30;

    /// <summary>Most metadata entries accepted.</summary>
    public const long MaxKeyValueCount = 1L << 24;

    /// <summary>Most tensors accepted.</summary>
    public const long MaxTensorCount = 1L << 24;

    /// <summary>Deepest accepted nesting of arrays of arrays.</summary>
    public const int MaxArrayNesting = 8;

    /// <summary>Longest accepted tensor name in UTF-8 bytes (GGML_MAX_NAME - 1).</summary>
    public const int MaxTensorNameLength = 63;

    /// <summary>Maximum number of dimensions of a tensor (GGML_MAX_DIMS).</summary>
    public const int MaxDimensions = 4;

    /// <summary>Largest accepted <c>general.alignment</c>.</summary>
    public const int MaxAlignment = 1 << 30;

    // Smallest possible encodings, used to reject counts the rest of the file cannot hold.
    private const int MinKeyValueBytes = 8 + 1 + 4 + 1;
    private const int MinTensorInfoBytes = 8 + 4 + 4 + 8;

    private static readonly byte[] Magic = "GGUF"u8.ToArray();

    /// <summary>Reads the header of the GGUF file at <paramref name="path"/>.</summary>
    /// <exception cref="GgufFormatException">The file is missing, unreadable, or not a valid GGUF file.</exception>
    public static GgufFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new GgufFormatException(path, GgufProblem.IsDirectory, "the path is a directory, not a file");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new GgufFormatException(path, GgufProblem.NotFound, "the file does not exist", null, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            var problem = Directory.Exists(path) ? GgufProblem.IsDirectory : GgufProblem.AccessDenied;
            throw new GgufFormatException(path, problem, "the file cannot be opened: " + ex.Message, null, ex);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException)
        {
            var problem = path.Length == 0 || !File.Exists(path) ? GgufProblem.NotFound : GgufProblem.IoError;
            throw new GgufFormatException(path, problem, "the file cannot be opened: " + ex.Message, null, ex);
        }

        using (stream)
        {
            return ReadCore(stream, path);
        }
    }

    /// <summary>
    /// Reads a GGUF header from <paramref name="stream"/>, starting at its current position (taken as offset 0);
    /// <paramref name="name"/> names the file in errors. The stream must be readable and seekable (its length
    /// bounds every check); it is not closed.
    /// </summary>
    /// <exception cref="GgufFormatException">The content is not a valid GGUF file or the stream fails.</exception>
    public static GgufFile Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("The stream must be readable and seekable.", nameof(stream));
        }

        return ReadCore(stream, name);
    }

    private static GgufFile ReadCore(Stream stream, string name)
    {
        long length;
        try
        {
            length = stream.Length - stream.Position;
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException)
        {
            throw new GgufFormatException(name, GgufProblem.IoError, "the file size cannot be determined: " + ex.Message, null, ex);
        }

        try
        {
            return Parse(new GgufCursor(stream, name, Math.Max(0, length)));
        }
        catch (IOException ex) when (ex is not GgufFormatException)
        {
            throw new GgufFormatException(name, GgufProblem.IoError, "reading failed: " + ex.Message, null, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new GgufFormatException(name, GgufProblem.AccessDenied, "reading failed: " + ex.Message, null, ex);
        }
    }

    private static GgufFile Parse(GgufCursor c)
    {
        ReadMagic(c);
        var version = ReadVersion(c);

        var countsOffset = c.Position;
        var tensorCount = c.ReadInt64("tensor count");
        var kvCount = c.ReadInt64("metadata entry count");
        CheckCount(c, tensorCount, MaxTensorCount, "tensor count", countsOffset);
        CheckCount(c, kvCount, MaxKeyValueCount, "metadata entry count", countsOffset + 8);
        if ((kvCount * MinKeyValueBytes) + (tensorCount * MinTensorInfoBytes) > c.Remaining)
        {
            throw c.Error(
                GgufProblem.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"{kvCount} metadata entries and {tensorCount} tensor infos cannot fit in the {c.Remaining} bytes left"),
                countsOffset);
        }

        var keys = new List<string>((int)Math.Min(kvCount, 1024));
        var metadata = new Dictionary<string, GgufMetadataValue>(keys.Capacity, StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            var entryOffset = c.Position;
            var key = c.ReadString(string.Create(CultureInfo.InvariantCulture, $"key of metadata entry {i}"), MaxStringLength);
            if (key.Length == 0)
            {
                throw c.Error(GgufProblem.InvalidMetadata, string.Create(CultureInfo.InvariantCulture, $"metadata entry {i} has an empty key"), entryOffset);
            }

            if (metadata.ContainsKey(key))
            {
                throw c.Error(GgufProblem.DuplicateKey, $"duplicate metadata key '{key}'", entryOffset);
            }

            var what = $"value of key '{key}'";
            var type = ReadValueType(c, what);
            metadata.Add(key, ReadValue(c, type, what, 0));
            keys.Add(key);
        }

        var alignment = ReadAlignment(c, metadata);

        var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 4096));
        var infoOffsets = new List<long>(tensors.Capacity);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < tensorCount; i++)
        {
            var infoOffset = c.Position;
            infoOffsets.Add(infoOffset);
            tensors.Add(ReadTensorInfo(c, i, names));
        }

        // The data section starts at the next multiple of the alignment (only when there are tensors).
        var dataOffset = c.Position;
        if (tensorCount > 0)
        {
            dataOffset = (dataOffset + alignment - 1) / alignment * alignment;
        }

        for (var i = 0; i < tensors.Count; i++)
        {
            tensors[i] = PlaceTensor(c, tensors[i], alignment, dataOffset, infoOffsets[i]);
        }

        return new GgufFile(c.Name, version, c.Length, alignment, dataOffset, keys, metadata, tensors);
    }

    private static void ReadMagic(GgufCursor c)
    {
        if (c.Length == 0)
        {
            throw c.Error(GgufProblem.Empty, "the file is empty", 0);
        }

        Span<byte> magic = stackalloc byte[4];
        var n = (int)Math.Min(4, c.Length);
        c.ReadExactly(magic[..n], "magic");
        if (!magic[..n].SequenceEqual(Magic.AsSpan(0, n)))
        {
            var shown = string.Concat(magic[..n].ToArray().Select(b => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"\\x{b:X2}"));
            throw c.Error(GgufProblem.BadMagic, $"the file starts with '{shown}', not the GGUF magic 'GGUF'", 0);
        }

        if (n < 4)
        {
            throw c.Error(GgufProblem.Truncated, "the file ends inside the magic", 0);
        }
    }

    private static uint ReadVersion(GgufCursor c)
    {
        var offset = c.Position;
        var version = c.ReadUInt32("version");
        if (version is 2 or 3)
        {
            return version;
        }

        var detail = version switch
        {
            1 => "GGUF version 1 is no longer supported",
            _ when (version & 0xFFFF) == 0 => string.Create(CultureInfo.InvariantCulture, $"GGUF version {version} (0x{version:X8}) looks like a big-endian file, which is not supported"),
            _ => string.Create(CultureInfo.InvariantCulture, $"GGUF version {version} is not supported (only 2 and 3)"),
        };
        throw c.Error(GgufProblem.UnsupportedVersion, detail, offset);
    }

    private static void CheckCount(GgufCursor c, long count, long max, string what, long offset)
    {
        if (count < 0 || count > max)
        {
            throw c.Error(
                GgufProblem.LimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"{what} {count} is outside [0, {max}]"),
                offset);
        }
    }

    private static GgufValueType ReadValueType(GgufCursor c, string what)
    {
        var offset = c.Position;
        var raw = c.ReadInt32(what);
        if (raw < 0 || raw > (int)GgufValueType.Float64)
        {
            throw c.Error(
                GgufProblem.InvalidValueType,
                string.Create(CultureInfo.InvariantCulture, $"{what}: invalid GGUF value type {raw}"),
                offset);
        }

        return (GgufValueType)raw;
    }

    private static GgufMetadataValue ReadValue(GgufCursor c, GgufValueType type, string what, int depth) => type switch
    {
        GgufValueType.UInt8 => GgufMetadataValue.FromUInt8(c.ReadByte(what)),
        GgufValueType.Int8 => GgufMetadataValue.FromInt8(unchecked((sbyte)c.ReadByte(what))),
        GgufValueType.UInt16 => GgufMetadataValue.FromUInt16(c.ReadUInt16(what)),
        GgufValueType.Int16 => GgufMetadataValue.FromInt16(unchecked((short)c.ReadUInt16(what))),
        GgufValueType.UInt32 => GgufMetadataValue.FromUInt32(c.ReadUInt32(what)),
        GgufValueType.Int32 => GgufMetadataValue.FromInt32(c.ReadInt32(what)),
        GgufValueType.Float32 => GgufMetadataValue.FromFloat32(c.ReadSingle(what)),
        GgufValueType.Bool => GgufMetadataValue.FromBool(c.ReadByte(what) != 0),
        GgufValueType.String => GgufMetadataValue.WrapScalar(GgufValueType.String, c.ReadString(what, MaxStringLength)),
        GgufValueType.UInt64 => GgufMetadataValue.FromUInt64(c.ReadUInt64(what)),
        GgufValueType.Int64 => GgufMetadataValue.FromInt64(c.ReadInt64(what)),
        GgufValueType.Float64 => GgufMetadataValue.FromFloat64(c.ReadDouble(what)),
        _ => ReadArray(c, what, depth),
    };

    private static GgufMetadataValue ReadArray(GgufCursor c, string what, int depth)
    {
        var headerOffset = c.Position;
        if (depth >= MaxArrayNesting)
        {
            throw c.Error(
                GgufProblem.LimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"{what}: arrays nested deeper than {MaxArrayNesting} levels"),
                headerOffset);
        }

        var elementType = ReadValueType(c, what);
        var countOffset = c.Position;
        var count = c.ReadUInt64(what);
        if (count > (ulong)MaxArrayLength)
        {
            throw c.Error(
                GgufProblem.LimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"{what}: array length {count} exceeds the limit of {MaxArrayLength}"),
                countOffset);
        }

        var n = (int)count;
        var minElementBytes = elementType switch
        {
            GgufValueType.String => 8,
            GgufValueType.Array => 12,
            _ => ScalarSize(elementType),
        };
        if ((long)n * minElementBytes > c.Remaining)
        {
            throw c.Error(
                GgufProblem.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"{what}: {n} elements of type {elementType} cannot fit in the {c.Remaining} bytes left"),
                countOffset);
        }

        Array values = elementType switch
        {
            GgufValueType.UInt8 => ReadPrimitives<byte>(c, n, what),
            GgufValueType.Int8 => ReadPrimitives<sbyte>(c, n, what),
            GgufValueType.UInt16 => ReadPrimitives<ushort>(c, n, what),
            GgufValueType.Int16 => ReadPrimitives<short>(c, n, what),
            GgufValueType.UInt32 => ReadPrimitives<uint>(c, n, what),
            GgufValueType.Int32 => ReadPrimitives<int>(c, n, what),
            GgufValueType.Float32 => ReadPrimitives<float>(c, n, what),
            GgufValueType.UInt64 => ReadPrimitives<ulong>(c, n, what),
            GgufValueType.Int64 => ReadPrimitives<long>(c, n, what),
            GgufValueType.Float64 => ReadPrimitives<double>(c, n, what),
            GgufValueType.Bool => Array.ConvertAll(ReadPrimitives<byte>(c, n, what), b => b != 0),
            GgufValueType.String => ReadStrings(c, n, what),
            _ => ReadNested(c, n, what, depth),
        };
        return GgufMetadataValue.WrapArray(elementType, values);
    }

    private static T[] ReadPrimitives<T>(GgufCursor c, int count, string what)
        where T : unmanaged
    {
        var values = new T[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        c.ReadExactly(bytes, what);
        if (!BitConverter.IsLittleEndian)
        {
            ReverseEndianness(bytes, Marshal.SizeOf<T>());
        }

        return values;
    }

    private static void ReverseEndianness(Span<byte> bytes, int elementSize)
    {
        switch (elementSize)
        {
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
            default:
                break;
        }
    }

    private static string[] ReadStrings(GgufCursor c, int count, string what)
    {
        var values = new string[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = c.ReadString(what, MaxStringLength);
        }

        return values;
    }

    private static GgufMetadataValue[] ReadNested(GgufCursor c, int count, string what, int depth)
    {
        var values = new GgufMetadataValue[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ReadArray(c, what, depth + 1);
        }

        return values;
    }

    private static int ScalarSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        _ => 8,
    };

    private static int ReadAlignment(GgufCursor c, Dictionary<string, GgufMetadataValue> metadata)
    {
        if (!metadata.TryGetValue("general.alignment", out var value))
        {
            return DefaultAlignment;
        }

        if (value.Type != GgufValueType.UInt32)
        {
            throw c.Error(GgufProblem.InvalidMetadata, $"'general.alignment' must be of type UInt32 but is {value.Type}", null);
        }

        var alignment = value.AsUInt32();
        if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > MaxAlignment)
        {
            throw c.Error(
                GgufProblem.InvalidMetadata,
                string.Create(CultureInfo.InvariantCulture, $"'general.alignment' is {alignment}, which is not a power of two in [1, {MaxAlignment}]"),
                null);
        }

        return (int)alignment;
    }

    private static GgufTensorInfo ReadTensorInfo(GgufCursor c, long index, HashSet<string> names)
    {
        var infoOffset = c.Position;
        var name = c.ReadString(string.Create(CultureInfo.InvariantCulture, $"name of tensor {index}"), MaxStringLength);
        if (Encoding.UTF8.GetByteCount(name) > MaxTensorNameLength)
        {
            throw c.Error(GgufProblem.BadTensor, $"tensor name '{Shorten(name)}' is longer than {MaxTensorNameLength} bytes", infoOffset);
        }

        if (!names.Add(name))
        {
            throw c.Error(GgufProblem.DuplicateTensorName, $"duplicate tensor name '{name}'", infoOffset);
        }

        var what = $"tensor '{name}'";
        var dimsOffset = c.Position;
        var dimCount = c.ReadUInt32(what);
        if (dimCount > MaxDimensions)
        {
            throw c.Error(
                GgufProblem.BadTensor,
                string.Create(CultureInfo.InvariantCulture, $"{what} has {dimCount} dimensions; at most {MaxDimensions} are allowed"),
                dimsOffset);
        }

        var dims = new long[dimCount];
        for (var d = 0; d < dims.Length; d++)
        {
            var dimOffset = c.Position;
            dims[d] = c.ReadInt64(what);
            if (dims[d] <= 0)
            {
                throw c.Error(
                    GgufProblem.BadTensor,
                    string.Create(CultureInfo.InvariantCulture, $"{what} dimension {d} is {dims[d]}; dimensions must be positive"),
                    dimOffset);
            }
        }

        var typeOffset = c.Position;
        var rawType = c.ReadInt32(what);
        var type = (GgmlType)rawType;
        if (!GgmlTypeTraits.IsKnown(type))
        {
            throw c.Error(
                GgufProblem.UnknownTensorType,
                string.Create(CultureInfo.InvariantCulture, $"{what} has unknown ggml type id {rawType}"),
                typeOffset);
        }

        if (!GgmlTypeTraits.TryGetTensorSize(type, dims, out var elements, out var bytes))
        {
            var block = GgmlTypeTraits.GetBlockSize(type);
            var shape = string.Join(", ", dims);
            var detail = dims.Length > 0 && dims[0] % block != 0
                ? string.Create(CultureInfo.InvariantCulture, $"{what} of type {type} has rows of {dims[0]} elements, not a multiple of the block size {block}")
                : $"{what} with shape [{shape}] has too many elements or bytes";
            throw c.Error(GgufProblem.BadTensor, detail, dimsOffset);
        }

        var offset = c.ReadUInt64(what);
        return new GgufTensorInfo(name, type, dims, offset, -1, elements, bytes);
    }

    private static GgufTensorInfo PlaceTensor(GgufCursor c, GgufTensorInfo t, int alignment, long dataOffset, long infoOffset)
    {
        if (t.Offset % (ulong)alignment != 0)
        {
            throw c.Error(
                GgufProblem.MisalignedTensor,
                string.Create(CultureInfo.InvariantCulture, $"tensor '{t.Name}' has data offset {t.Offset}, not a multiple of the alignment {alignment}"),
                infoOffset);
        }

        var dataBytes = c.Length - dataOffset;
        if (dataBytes < 0 || t.Offset > (ulong)dataBytes || t.ByteSize > dataBytes - (long)t.Offset)
        {
            throw c.Error(
                GgufProblem.TensorOutOfBounds,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"tensor '{t.Name}' data ({t.ByteSize} bytes at data offset {t.Offset}, data section at {dataOffset}) lies outside the file of {c.Length} bytes"),
                infoOffset);
        }

        return new GgufTensorInfo(t.Name, t.Type, [.. t.Dimensions], t.Offset, dataOffset + (long)t.Offset, t.ElementCount, t.ByteSize);
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 77), "...");
}
