using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// Forward-only, bounds-checked little-endian reading of a GGUF header from a stream. Every read is checked
/// against the known length first, and the stream is never read past the bytes actually needed plus one buffer.
/// </summary>
internal sealed class GgufCursor
{
    private const int BufferSize = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    public GgufCursor(Stream stream, string name, long length)
    {
        _stream = stream;
        Name = name;
        Length = length;
    }

    public string Name { get; }

    public long Length { get; }

    /// <summary>Bytes consumed so far: the offset of the next byte relative to the start of the file.</summary>
    public long Position { get; private set; }

    public long Remaining => Length - Position;

    public GgufFormatException Error(GgufProblem problem, string detail, long? offset = null) =>
        new(Name, problem, detail, offset ?? Position);

    public byte ReadByte(string what) => Take(1, what)[0];

    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));

    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));

    public int ReadInt32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));

    public long ReadInt64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public float ReadSingle(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));

    public double ReadDouble(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>
    /// Reads a GGUF string (uint64 length, UTF-8 bytes). Lengths over <paramref name="maxLength"/> are
    /// <see cref="GgufProblem.LimitExceeded"/>, lengths beyond the end of the file <see cref="GgufProblem.Truncated"/>,
    /// bytes that are not UTF-8 <see cref="GgufProblem.InvalidUtf8"/>.
    /// </summary>
    public string ReadString(string what, long maxLength)
    {
        var lengthOffset = Position;
        var length = ReadUInt64(what);
        if (length > (ulong)maxLength)
        {
            throw Error(
                GgufProblem.LimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"{what}: string length {length} exceeds the limit of {maxLength} bytes"),
                lengthOffset);
        }

        var n = (int)length;
        if (n > Remaining)
        {
            throw Error(
                GgufProblem.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"{what}: string length {length} exceeds the {Remaining} bytes left in the file"),
                lengthOffset);
        }

        var bytesOffset = Position;
        try
        {
            if (n <= BufferSize)
            {
                return StrictUtf8.GetString(Take(n, what));
            }

            var bytes = new byte[n];
            ReadExactly(bytes, what);
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new GgufFormatException(Name, GgufProblem.InvalidUtf8, $"{what}: the string is not valid UTF-8", bytesOffset, ex);
        }
    }

    /// <summary>Fills <paramref name="destination"/> from the file.</summary>
    public void ReadExactly(Span<byte> destination, string what)
    {
        if (destination.Length > Remaining)
        {
            throw Error(
                GgufProblem.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"{what}: {destination.Length} bytes needed but only {Remaining} left in the file"));
        }

        var buffered = Math.Min(_end - _start, destination.Length);
        _buffer.AsSpan(_start, buffered).CopyTo(destination);
        _start += buffered;
        Position += buffered;
        var rest = destination[buffered..];
        while (!rest.IsEmpty)
        {
            var read = _stream.Read(rest);
            if (read <= 0)
            {
                throw Error(GgufProblem.Truncated, $"{what}: the stream ended before its declared length");
            }

            rest = rest[read..];
            Position += read;
        }
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count > Remaining)
        {
            throw Error(
                GgufProblem.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"{what}: {count} bytes needed but only {Remaining} left in the file"));
        }

        if (_end - _start < count)
        {
            Fill(count, what);
        }

        var span = new ReadOnlySpan<byte>(_buffer, _start, count);
        _start += count;
        Position += count;
        return span;
    }

    private void Fill(int count, string what)
    {
        var have = _end - _start;
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, have);
        _start = 0;
        _end = have;

        // The file offset of _buffer[_end] is Position + _end; never read past Length.
        while (_end < count)
        {
            var toRead = (int)Math.Min(_buffer.Length - _end, Length - (Position + _end));
            var read = toRead <= 0 ? 0 : _stream.Read(_buffer, _end, toRead);
            if (read <= 0)
            {
                throw Error(GgufProblem.Truncated, $"{what}: the stream ended before its declared length");
            }

            _end += read;
        }
    }
}
