using System.Buffers.Binary;

namespace ExpertRouter.LlamaCpp.Tests.Gguf;

/// <summary>Locates the count, length, type, dimension and offset fields of a valid GGUF header (for targeted mutations).</summary>
internal static class GgufHeaderFields
{
    /// <summary>A field: where it is and how many bytes it has (4 or 8).</summary>
    internal readonly record struct Field(int Offset, int Size);

    public static List<Field> Walk(byte[] h, out int headerEnd)
    {
        var fields = new List<Field> { new(4, 4), new(8, 8), new(16, 8) };
        var tensors = BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(8));
        var kvs = BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(16));
        var p = 24;

        int String()
        {
            fields.Add(new(p, 8));
            var len = (int)BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(p));
            p += 8 + len;
            return len;
        }

        int Type()
        {
            fields.Add(new(p, 4));
            var t = BinaryPrimitives.ReadInt32LittleEndian(h.AsSpan(p));
            p += 4;
            return t;
        }

        void Value(int type)
        {
            switch (type)
            {
                case 0 or 1 or 7: p += 1; break;
                case 2 or 3: p += 2; break;
                case 4 or 5 or 6: p += 4; break;
                case 8: String(); break;
                case 9:
                    var elem = Type();
                    fields.Add(new(p, 8));
                    var n = (long)BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(p));
                    p += 8;
                    for (long i = 0; i < n; i++)
                    {
                        Value(elem);
                    }

                    break;
                default: p += 8; break;
            }
        }

        for (long i = 0; i < kvs; i++)
        {
            String();
            Value(Type());
        }

        for (long i = 0; i < tensors; i++)
        {
            String();
            fields.Add(new(p, 4));
            var dims = BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(p));
            p += 4;
            for (var d = 0; d < dims; d++)
            {
                fields.Add(new(p, 8));
                p += 8;
            }

            Type();
            fields.Add(new(p, 8));
            p += 8;
        }

        headerEnd = p;
        return fields;
    }
}
