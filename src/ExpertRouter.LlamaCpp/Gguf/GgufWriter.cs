using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// Writes a GGUF v3 file in one forward pass, streaming the tensor data so no model needs to fit in memory.
/// </summary>
/// <remarks>
/// Order of use: add metadata (<see cref="AddMetadata"/> and the typed helpers) and declare tensors
/// (<see cref="AddTensor"/>), call <see cref="WriteHeader"/>, then give each tensor's data in declaration order
/// with <see cref="WriteTensorData"/> (encoded bytes) or <see cref="WriteTensorValues"/> (floats encoded to the
/// tensor's type), in as many pieces as convenient, and finally <see cref="Finish"/>. Each tensor's data is padded
/// to the alignment. The stream need not be seekable.
/// </remarks>
public sealed class GgufWriter : IDisposable
{
    private const int ValueChunk = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly List<KeyValuePair<string, GgufMetadataValue>> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);
    private readonly byte[] _scratch = new byte[16];
    private ulong _nextOffset;
    private long _position;
    private int _current = -1;
    private long _currentWritten;
    private bool _headerWritten;
    private bool _finished;
    private bool _disposed;

    /// <summary>Creates (or overwrites) the file at <paramref name="path"/>.</summary>
    public GgufWriter(string path, int alignment = GgufReader.DefaultAlignment)
        : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20), leaveOpen: false, alignment)
    {
    }

    /// <summary>Writes to <paramref name="stream"/> from its current position.</summary>
    public GgufWriter(Stream stream, bool leaveOpen = false, int alignment = GgufReader.DefaultAlignment)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > GgufReader.MaxAlignment)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "The alignment must be a power of two.");
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        Alignment = alignment;
    }

    /// <summary>The alignment of tensor data; written as <c>general.alignment</c> when not 32.</summary>
    public int Alignment { get; }

    /// <summary>The tensor whose data is expected next, or null (before the header, or when all data is written).</summary>
    public string? CurrentTensor => _headerWritten && _current >= 0 && _current < _tensors.Count ? _tensors[_current].Name : null;

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten => _position;

    /// <summary>Adds a metadata entry; keys must be unique and non-empty.</summary>
    public void AddMetadata(string key, GgufMetadataValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        EnsureBeforeHeader();
        if (!_keys.Add(key))
        {
            throw new ArgumentException($"Duplicate metadata key '{key}'.", nameof(key));
        }

        if (key == "general.alignment" && (value.Type != GgufValueType.UInt32 || value.AsUInt32() != (uint)Alignment))
        {
            _keys.Remove(key);
            throw new ArgumentException("'general.alignment' must be a UInt32 equal to the writer's Alignment.", nameof(value));
        }

        _metadata.Add(new(key, value));
    }

    public void AddString(string key, string value) => AddMetadata(key, GgufMetadataValue.FromString(value));

    public void AddBool(string key, bool value) => AddMetadata(key, GgufMetadataValue.FromBool(value));

    public void AddUInt8(string key, byte value) => AddMetadata(key, GgufMetadataValue.FromUInt8(value));

    public void AddInt8(string key, sbyte value) => AddMetadata(key, GgufMetadataValue.FromInt8(value));

    public void AddUInt16(string key, ushort value) => AddMetadata(key, GgufMetadataValue.FromUInt16(value));

    public void AddInt16(string key, short value) => AddMetadata(key, GgufMetadataValue.FromInt16(value));

    public void AddUInt32(string key, uint value) => AddMetadata(key, GgufMetadataValue.FromUInt32(value));

    public void AddInt32(string key, int value) => AddMetadata(key, GgufMetadataValue.FromInt32(value));

    public void AddUInt64(string key, ulong value) => AddMetadata(key, GgufMetadataValue.FromUInt64(value));

    public void AddInt64(string key, long value) => AddMetadata(key, GgufMetadataValue.FromInt64(value));

    public void AddFloat32(string key, float value) => AddMetadata(key, GgufMetadataValue.FromFloat32(value));

    public void AddFloat64(string key, double value) => AddMetadata(key, GgufMetadataValue.FromFloat64(value));

    /// <summary>Adds an array entry; see <see cref="GgufMetadataValue.FromArray{T}(ReadOnlySpan{T})"/> for the element types.</summary>
    public void AddArray<T>(string key, ReadOnlySpan<T> values) => AddMetadata(key, GgufMetadataValue.FromArray(values));

    /// <summary>
    /// Declares a tensor: its name (at most 63 UTF-8 bytes, unique), type, and shape in ggml order (ne0, the row
    /// length, first; 1 to 4 positive dimensions; ne0 a multiple of the type's block size).
    /// </summary>
    public void AddTensor(string name, GgmlType type, params ReadOnlySpan<long> dimensions)
    {
        ArgumentNullException.ThrowIfNull(name);
        EnsureBeforeHeader();
        if (StrictUtf8.GetByteCount(name) > GgufReader.MaxTensorNameLength)
        {
            throw new ArgumentException($"Tensor name '{name}' is longer than {GgufReader.MaxTensorNameLength} bytes.", nameof(name));
        }

        if (dimensions.Length is 0 or > GgufReader.MaxDimensions)
        {
            throw new ArgumentException($"A tensor has 1 to {GgufReader.MaxDimensions} dimensions.", nameof(dimensions));
        }

        if (!GgmlTypeTraits.TryGetTensorSize(type, dimensions, out _, out var bytes))
        {
            throw new ArgumentException($"Tensor '{name}': shape [{string.Join(", ", dimensions.ToArray())}] is invalid for type {type}.", nameof(dimensions));
        }

        if (!_tensorNames.Add(name))
        {
            throw new ArgumentException($"Duplicate tensor name '{name}'.", nameof(name));
        }

        _tensors.Add(new PendingTensor(name, type, dimensions.ToArray(), _nextOffset, bytes));
        _nextOffset += (ulong)Align(bytes);
    }

    /// <summary>Writes the header (metadata and tensor infos) and the padding before the data section.</summary>
    public void WriteHeader()
    {
        EnsureBeforeHeader();
        if (Alignment != GgufReader.DefaultAlignment && !_keys.Contains("general.alignment"))
        {
            AddUInt32("general.alignment", (uint)Alignment);
        }

        WriteBytes("GGUF"u8);
        WriteUInt32(3);
        WriteUInt64((ulong)_tensors.Count);
        WriteUInt64((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(key);
            WriteUInt32((uint)value.Type);
            WriteValueBody(value);
        }

        foreach (var t in _tensors)
        {
            WriteString(t.Name);
            WriteUInt32((uint)t.Dimensions.Length);
            foreach (var d in t.Dimensions)
            {
                WriteUInt64((ulong)d);
            }

            WriteUInt32((uint)t.Type);
            WriteUInt64(t.Offset);
        }

        _headerWritten = true;
        if (_tensors.Count > 0)
        {
            WritePadding();
            _current = 0;
            _currentWritten = 0;
        }
    }

    /// <summary>Appends already-encoded bytes to the current tensor's data; it may not overrun the tensor.</summary>
    public void WriteTensorData(ReadOnlySpan<byte> data)
    {
        var t = EnsureCurrentTensor();
        if (data.Length > t.ByteSize - _currentWritten)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Tensor '{t.Name}' has {t.ByteSize - _currentWritten} bytes left to write; got {data.Length}."),
                nameof(data));
        }

        WriteBytes(data);
        _currentWritten += data.Length;
        if (_currentWritten == t.ByteSize)
        {
            WritePadding();
            _current++;
            _currentWritten = 0;
        }
    }

    /// <summary>
    /// Encodes <paramref name="values"/> to the current tensor's type (F32, F16 or Q8_0) and appends them; the count
    /// must be a whole number of blocks and may not overrun the tensor.
    /// </summary>
    public void WriteTensorValues(ReadOnlySpan<float> values)
    {
        var t = EnsureCurrentTensor();
        if (!GgmlEncoder.CanEncode(t.Type))
        {
            throw new NotSupportedException($"Tensor '{t.Name}' has type {t.Type}; only F32, F16 and Q8_0 can be encoded from floats.");
        }

        var block = GgmlTypeTraits.GetBlockSize(t.Type);
        if (values.Length % block != 0)
        {
            throw new ArgumentException($"Tensor '{t.Name}' of type {t.Type} takes whole blocks of {block} values.", nameof(values));
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)GgmlEncoder.GetEncodedSize(t.Type, ValueChunk));
        try
        {
            while (!values.IsEmpty)
            {
                var n = Math.Min(values.Length, ValueChunk);
                var bytes = GgmlEncoder.Encode(t.Type, values[..n], buffer);
                WriteTensorData(buffer.AsSpan(0, bytes));
                values = values[n..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Checks that every tensor's data was written and flushes the stream.</summary>
    public void Finish()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_headerWritten)
        {
            throw new InvalidOperationException("WriteHeader was not called.");
        }

        if (_current >= 0 && _current < _tensors.Count)
        {
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"Tensor '{_tensors[_current].Name}' and {_tensors.Count - _current - 1} more have no (or incomplete) data."));
        }

        _stream.Flush();
        _finished = true;
    }

    /// <summary>Flushes and (unless leaveOpen) closes the stream. Does not complete an unfinished file.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (!_finished && _stream.CanWrite)
            {
                _stream.Flush();
            }
        }
        finally
        {
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    private long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private void EnsureBeforeHeader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_headerWritten)
        {
            throw new InvalidOperationException("The header has already been written.");
        }
    }

    private PendingTensor EnsureCurrentTensor()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_headerWritten)
        {
            throw new InvalidOperationException("Call WriteHeader before writing tensor data.");
        }

        if (_current < 0 || _current >= _tensors.Count)
        {
            throw new InvalidOperationException("All tensor data has already been written.");
        }

        return _tensors[_current];
    }

    private void WriteValueBody(GgufMetadataValue value)
    {
        switch (value.RawValue)
        {
            case byte v: WriteBytes([v]); break;
            case sbyte v: WriteBytes([unchecked((byte)v)]); break;
            case ushort v: BinaryPrimitives.WriteUInt16LittleEndian(_scratch, v); WriteBytes(_scratch.AsSpan(0, 2)); break;
            case short v: BinaryPrimitives.WriteInt16LittleEndian(_scratch, v); WriteBytes(_scratch.AsSpan(0, 2)); break;
            case uint v: WriteUInt32(v); break;
            case int v: WriteUInt32(unchecked((uint)v)); break;
            case float v: BinaryPrimitives.WriteSingleLittleEndian(_scratch, v); WriteBytes(_scratch.AsSpan(0, 4)); break;
            case bool v: WriteBytes([v ? (byte)1 : (byte)0]); break;
            case string v: WriteString(v); break;
            case ulong v: WriteUInt64(v); break;
            case long v: WriteUInt64(unchecked((ulong)v)); break;
            case double v: BinaryPrimitives.WriteDoubleLittleEndian(_scratch, v); WriteBytes(_scratch.AsSpan(0, 8)); break;
            case Array array: WriteArrayBody(value.ElementType!.Value, array); break;
            default: throw new InvalidOperationException("Unexpected metadata value.");
        }
    }

    private void WriteArrayBody(GgufValueType elementType, Array array)
    {
        WriteUInt32((uint)elementType);
        WriteUInt64((ulong)array.Length);
        switch (array)
        {
            case string[] strings:
                foreach (var s in strings)
                {
                    WriteString(s);
                }

                break;
            case GgufMetadataValue[] nested:
                foreach (var inner in nested)
                {
                    WriteArrayBody(inner.ElementType!.Value, (Array)inner.RawValue);
                }

                break;
            case bool[] bools:
                foreach (var b in bools)
                {
                    WriteBytes([b ? (byte)1 : (byte)0]);
                }

                break;
            default:
                foreach (var item in array)
                {
                    WriteValueBody(GgufMetadataValue.WrapScalar(elementType, item));
                }

                break;
        }
    }

    private void WriteString(string s)
    {
        var bytes = StrictUtf8.GetBytes(s);
        WriteUInt64((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    private void WriteUInt32(uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_scratch, v);
        WriteBytes(_scratch.AsSpan(0, 4));
    }

    private void WriteUInt64(ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_scratch, v);
        WriteBytes(_scratch.AsSpan(0, 8));
    }

    private void WritePadding()
    {
        var pad = Align(_position) - _position;
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        while (pad > 0)
        {
            var n = (int)Math.Min(pad, zeros.Length);
            WriteBytes(zeros[..n]);
            pad -= n;
        }
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }

    private sealed record PendingTensor(string Name, GgmlType Type, long[] Dimensions, ulong Offset, long ByteSize);
}
