using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// The on-disk form of one embedded collection (<c>{name}.vec</c>), written to a temporary file and renamed over
/// the old one, so a crash leaves either the old or the new file.
/// </summary>
/// <remarks>
/// Little-endian throughout. The file is the 8 ASCII bytes <c>ERVECTOR</c> followed by checksummed blocks; each
/// block is an int32 length L, 8 bytes of checksum (the first 8 bytes of SHA-256 over the block's bytes) and the
/// L bytes. Block 0 is the header: uint16 format version (1), the collection name, int32 dimensions, int32 point
/// count. Then blocks of whole records (about 1 MiB each): id, 7-bit-encoded payload field count, key/value pairs,
/// and the unit vector as <c>dimensions</c> float32 values. Strings are 7-bit-length-prefixed UTF-8 (as written by
/// <see cref="BinaryWriter"/>). An empty block ends the file; nothing may follow it.
/// </remarks>
internal static class CollectionFile
{
    public const string Extension = ".vec";
    public const string TempMarker = ".tmp-";
    private const ushort FormatVersion = 1;
    private const int BlockTarget = 1 << 20;
    private const int MaxBlock = 1 << 30;
    private static ReadOnlySpan<byte> Magic => "ERVECTOR"u8;

    /// <summary>Writes the collection (the caller holds at least its read lock) atomically to <paramref name="path"/>.</summary>
    public static void Write(string path, EmbeddedCollection collection)
    {
        var temp = path + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                file.Write(Magic);
                using var block = new MemoryStream();
                using var writer = new BinaryWriter(block, Encoding.UTF8, leaveOpen: true);
                writer.Write(FormatVersion);
                writer.Write(collection.Name);
                writer.Write(collection.Dimensions);
                writer.Write(collection.Count);
                WriteBlock(file, block);

                for (var row = 0; row < collection.Count; row++)
                {
                    writer.Write(collection.IdAt(row));
                    var payload = collection.PayloadAt(row);
                    writer.Write7BitEncodedInt(payload.Count);
                    foreach (var (key, value) in payload)
                    {
                        writer.Write(key);
                        writer.Write(value);
                    }

                    writer.Write(MemoryMarshal.AsBytes(collection.VectorAt(row)));
                    if (block.Length >= BlockTarget)
                    {
                        writer.Flush();
                        WriteBlock(file, block);
                    }
                }

                writer.Flush();
                if (block.Length > 0)
                {
                    WriteBlock(file, block);
                }

                WriteBlock(file, block); // the empty end block
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Reads a collection file.</summary>
    /// <exception cref="VectorStoreException"><see cref="VectorStoreErrorKind.Corrupt"/> (naming the file) when it is truncated or damaged; <see cref="VectorStoreErrorKind.Failed"/> when it cannot be read.</exception>
    public static EmbeddedCollection Read(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> magic = stackalloc byte[8];
            file.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic))
            {
                throw new InvalidDataException("it does not start with the ERVECTOR signature");
            }

            var buffer = ReadBlock(file, null, 0) ?? throw new InvalidDataException("the header block is empty");
            using var header = new BinaryReader(new MemoryStream(buffer), Encoding.UTF8);
            var version = header.ReadUInt16();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"format version {version} is not supported (expected {FormatVersion})");
            }

            var name = header.ReadString();
            var dimensions = header.ReadInt32();
            var count = header.ReadInt32();
            if (dimensions is <= 0 or > VectorValidation.MaxDimensions || count < 0)
            {
                throw new InvalidDataException($"the header is invalid (dimensions {dimensions}, count {count})");
            }

            var collection = new EmbeddedCollection(name, dimensions);
            collection.Reserve((int)Math.Min(count, file.Length / (4L * dimensions)));
            var vector = new float[dimensions];
            var read = 0;
            var blockIndex = 1;
            while (true)
            {
                buffer = ReadBlock(file, buffer, blockIndex);
                if (buffer is null)
                {
                    break;
                }

                using var reader = new BinaryReader(new MemoryStream(buffer), Encoding.UTF8);
                var stream = reader.BaseStream;
                while (stream.Position < stream.Length)
                {
                    var id = reader.ReadString();
                    var fields = reader.Read7BitEncodedInt();
                    if (fields < 0)
                    {
                        throw new InvalidDataException($"point '{id}' has a negative payload field count");
                    }

                    IReadOnlyDictionary<string, string> payload = VectorPoint.EmptyPayload;
                    if (fields > 0)
                    {
                        var map = new Dictionary<string, string>(fields, StringComparer.Ordinal);
                        for (var f = 0; f < fields; f++)
                        {
                            var key = reader.ReadString();
                            map[key] = reader.ReadString();
                        }

                        payload = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(map);
                    }

                    stream.ReadExactly(MemoryMarshal.AsBytes(vector.AsSpan()));
                    collection.Upsert(id, vector, 1f, payload);
                    read++;
                }

                blockIndex++;
            }

            if (read != count || collection.Count != count)
            {
                throw new InvalidDataException($"the header announces {count} points but {read} were found");
            }

            if (file.ReadByte() != -1)
            {
                throw new InvalidDataException("there is data after the end block");
            }

            return collection;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException or ArgumentException or OverflowException or DecoderFallbackException)
        {
            var detail = e is EndOfStreamException ? "it ends too early (truncated)" : e.Message;
            throw new VectorStoreException(VectorStoreErrorKind.Corrupt,
                $"Vector collection file '{path}' is corrupt: {detail}. Delete the collection (or move the file away) to start it afresh.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VectorStoreException(VectorStoreErrorKind.Failed, $"Vector collection file '{path}' could not be read: {e.Message}", e);
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void WriteBlock(Stream file, MemoryStream block)
    {
        var bytes = block.GetBuffer().AsSpan(0, (int)block.Length);
        Span<byte> head = stackalloc byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(head, bytes.Length);
        Checksum(bytes, head[4..]);
        file.Write(head);
        file.Write(bytes);
        block.SetLength(0);
    }

    /// <summary>Reads and verifies one block; null for the (empty) end block.</summary>
    private static byte[]? ReadBlock(Stream file, byte[]? reuse, int index)
    {
        Span<byte> head = stackalloc byte[12];
        file.ReadExactly(head);
        var length = BinaryPrimitives.ReadInt32LittleEndian(head);
        if (length is < 0 or > MaxBlock)
        {
            throw new InvalidDataException($"block {index} has an impossible length ({length})");
        }

        var bytes = reuse is not null && reuse.Length == length ? reuse : new byte[length];
        file.ReadExactly(bytes);
        Span<byte> sum = stackalloc byte[8];
        Checksum(bytes, sum);
        if (!sum.SequenceEqual(head[4..]))
        {
            throw new InvalidDataException($"block {index} fails its checksum");
        }

        return length == 0 ? null : bytes;
    }

    private static void Checksum(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        hash[..8].CopyTo(destination);
    }
}
