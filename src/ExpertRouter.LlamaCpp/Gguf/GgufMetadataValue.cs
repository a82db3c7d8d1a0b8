using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// One immutable GGUF metadata value: a scalar of any <see cref="GgufValueType"/>, or an array whose elements
/// all have one type (arrays of arrays included). Arrays are stored as typed CLR arrays, so a 32000-entry
/// token list is one <c>string[]</c>, not 32000 objects.
/// </summary>
public sealed class GgufMetadataValue
{
    private readonly object _value;

    private GgufMetadataValue(GgufValueType type, GgufValueType? elementType, object value)
    {
        Type = type;
        ElementType = elementType;
        _value = value;
    }

    /// <summary>The value's type; <see cref="GgufValueType.Array"/> for arrays.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the type of the elements; null for scalars.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>True for arrays.</summary>
    public bool IsArray => Type == GgufValueType.Array;

    /// <summary>The number of elements of an array; 1 for a scalar.</summary>
    public int Count => _value is Array a ? a.Length : 1;

    public static GgufMetadataValue FromUInt8(byte value) => new(GgufValueType.UInt8, null, value);

    public static GgufMetadataValue FromInt8(sbyte value) => new(GgufValueType.Int8, null, value);

    public static GgufMetadataValue FromUInt16(ushort value) => new(GgufValueType.UInt16, null, value);

    public static GgufMetadataValue FromInt16(short value) => new(GgufValueType.Int16, null, value);

    public static GgufMetadataValue FromUInt32(uint value) => new(GgufValueType.UInt32, null, value);

    public static GgufMetadataValue FromInt32(int value) => new(GgufValueType.Int32, null, value);

    public static GgufMetadataValue FromFloat32(float value) => new(GgufValueType.Float32, null, value);

    public static GgufMetadataValue FromBool(bool value) => new(GgufValueType.Bool, null, value);

    public static GgufMetadataValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(GgufValueType.String, null, value);
    }

    public static GgufMetadataValue FromUInt64(ulong value) => new(GgufValueType.UInt64, null, value);

    public static GgufMetadataValue FromInt64(long value) => new(GgufValueType.Int64, null, value);

    public static GgufMetadataValue FromFloat64(double value) => new(GgufValueType.Float64, null, value);

    /// <summary>
    /// An array value. <typeparamref name="T"/> must be the CLR type of a GGUF type: byte, sbyte, ushort, short,
    /// uint, int, float, bool, string, ulong, long, double, or <see cref="GgufMetadataValue"/> (each element an
    /// array) for an array of arrays. The elements are copied.
    /// </summary>
    public static GgufMetadataValue FromArray<T>(ReadOnlySpan<T> values)
    {
        var elementType = ElementTypeOf(typeof(T));
        var copy = values.ToArray();
        if (copy is string[] strings && Array.IndexOf(strings, null) >= 0)
        {
            throw new ArgumentException("String arrays may not contain null.", nameof(values));
        }

        if (copy is GgufMetadataValue[] nested && nested.Any(v => v is null || !v.IsArray))
        {
            throw new ArgumentException("Every element of an array of arrays must itself be an array value.", nameof(values));
        }

        return new(GgufValueType.Array, elementType, copy);
    }

    /// <summary>An array value; see <see cref="FromArray{T}(ReadOnlySpan{T})"/>.</summary>
    public static GgufMetadataValue FromArray<T>(IEnumerable<T> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromArray<T>(values.ToArray().AsSpan());
    }

    /// <summary>Wraps an array the reader built; no copy.</summary>
    internal static GgufMetadataValue WrapArray(GgufValueType elementType, Array values) => new(GgufValueType.Array, elementType, values);

    internal static GgufMetadataValue WrapScalar(GgufValueType type, object value) => new(type, null, value);

    /// <summary>The CLR value: a boxed scalar, a string, or a typed array (<c>T[]</c>) for arrays.</summary>
    internal object RawValue => _value;

    public byte AsUInt8() => Get<byte>(GgufValueType.UInt8);

    public sbyte AsInt8() => Get<sbyte>(GgufValueType.Int8);

    public ushort AsUInt16() => Get<ushort>(GgufValueType.UInt16);

    public short AsInt16() => Get<short>(GgufValueType.Int16);

    public uint AsUInt32() => Get<uint>(GgufValueType.UInt32);

    public int AsInt32() => Get<int>(GgufValueType.Int32);

    public float AsFloat32() => Get<float>(GgufValueType.Float32);

    public bool AsBool() => Get<bool>(GgufValueType.Bool);

    public string AsString() => Get<string>(GgufValueType.String);

    public ulong AsUInt64() => Get<ulong>(GgufValueType.UInt64);

    public long AsInt64() => Get<long>(GgufValueType.Int64);

    public double AsFloat64() => Get<double>(GgufValueType.Float64);

    /// <summary>The elements of an array whose element type maps to <typeparamref name="T"/> (see <see cref="FromArray{T}(ReadOnlySpan{T})"/>).</summary>
    public IReadOnlyList<T> AsArray<T>() =>
        _value is T[] array && IsArray
            ? new ReadOnlyCollection<T>(array)
            : throw new InvalidCastException($"GGUF value of type {Describe()} is not an array of {typeof(T).Name}.");

    /// <summary>Any integer-typed scalar (or bool) as an <see cref="long"/>; false for other types or a uint64 above <see cref="long.MaxValue"/>.</summary>
    public bool TryGetInteger(out long value)
    {
        switch (_value)
        {
            case byte v: value = v; return true;
            case sbyte v: value = v; return true;
            case ushort v: value = v; return true;
            case short v: value = v; return true;
            case uint v: value = v; return true;
            case int v: value = v; return true;
            case long v: value = v; return true;
            case ulong v when v <= long.MaxValue: value = (long)v; return true;
            case bool v: value = v ? 1 : 0; return true;
            default: value = 0; return false;
        }
    }

    /// <summary>A float32 or float64 scalar (or any integer scalar) as a <see cref="double"/>.</summary>
    public bool TryGetFloatingPoint(out double value)
    {
        switch (_value)
        {
            case float f: value = f; return true;
            case double d: value = d; return true;
            case ulong u: value = u; return true;
            default:
                var ok = TryGetInteger(out var l);
                value = l;
                return ok;
        }
    }

    /// <summary>A short human-readable rendering (arrays show their type and length).</summary>
    public override string ToString() => _value switch
    {
        string s => s,
        Array a => string.Create(CultureInfo.InvariantCulture, $"[{ElementType}; {a.Length}]"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => _value.ToString() ?? string.Empty,
    };

    internal static GgufValueType ElementTypeOf(Type clrType) => clrType switch
    {
        _ when clrType == typeof(byte) => GgufValueType.UInt8,
        _ when clrType == typeof(sbyte) => GgufValueType.Int8,
        _ when clrType == typeof(ushort) => GgufValueType.UInt16,
        _ when clrType == typeof(short) => GgufValueType.Int16,
        _ when clrType == typeof(uint) => GgufValueType.UInt32,
        _ when clrType == typeof(int) => GgufValueType.Int32,
        _ when clrType == typeof(float) => GgufValueType.Float32,
        _ when clrType == typeof(bool) => GgufValueType.Bool,
        _ when clrType == typeof(string) => GgufValueType.String,
        _ when clrType == typeof(ulong) => GgufValueType.UInt64,
        _ when clrType == typeof(long) => GgufValueType.Int64,
        _ when clrType == typeof(double) => GgufValueType.Float64,
        _ when clrType == typeof(GgufMetadataValue) => GgufValueType.Array,
        _ => throw new ArgumentException($"{clrType.Name} is not a GGUF value type.", nameof(clrType)),
    };

    private T Get<T>(GgufValueType expected) =>
        Type == expected && _value is T v
            ? v
            : throw new InvalidCastException($"GGUF value of type {Describe()} is not {expected}.");

    private string Describe()
    {
        var sb = new StringBuilder(Type.ToString());
        if (ElementType is { } e)
        {
            sb.Append(" of ").Append(e);
        }

        return sb.ToString();
    }
}
