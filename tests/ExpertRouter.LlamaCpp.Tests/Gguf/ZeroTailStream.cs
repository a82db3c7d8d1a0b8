namespace ExpertRouter.LlamaCpp.Tests.Gguf;

/// <summary>A read-only seekable stream: the given header bytes followed by a virtual run of zeros.</summary>
internal sealed class ZeroTailStream(byte[] head, long tailLength) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => head.Length + tailLength;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, Math.Max(0, Length - _position));
        var fromHead = (int)Math.Clamp(head.Length - _position, 0, n);
        if (fromHead > 0)
        {
            head.AsSpan((int)_position, fromHead).CopyTo(buffer);
        }

        buffer[fromHead..n].Clear();

        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
