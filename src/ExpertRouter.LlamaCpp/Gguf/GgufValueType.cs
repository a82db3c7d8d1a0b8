using System.Diagnostics.CodeAnalysis;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// The type tag of a GGUF metadata value, as stored in the file (an int32, <c>enum gguf_type</c> in gguf.h).
/// </summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Members mirror the GGUF type names.")]
public enum GgufValueType
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}
