namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>What was wrong with a GGUF file; carried by <see cref="GgufFormatException.Problem"/>.</summary>
public enum GgufProblem
{
    /// <summary>Not classified (only used by the parameterless exception constructors).</summary>
    Unknown = 0,

    /// <summary>The file does not exist.</summary>
    NotFound,

    /// <summary>The path names a directory.</summary>
    IsDirectory,

    /// <summary>The file could not be opened for lack of permission.</summary>
    AccessDenied,

    /// <summary>Any other I/O failure while opening or reading.</summary>
    IoError,

    /// <summary>The file has zero bytes.</summary>
    Empty,

    /// <summary>The file does not start with "GGUF".</summary>
    BadMagic,

    /// <summary>The GGUF version is not 2 or 3 (version 1 and big-endian files included).</summary>
    UnsupportedVersion,

    /// <summary>The file ends before a structure it declares.</summary>
    Truncated,

    /// <summary>A count or length is beyond what the file can hold or beyond a hard limit.</summary>
    LimitExceeded,

    /// <summary>A key, string value or tensor name is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>A metadata value has an unknown type tag.</summary>
    InvalidValueType,

    /// <summary>The same metadata key occurs twice.</summary>
    DuplicateKey,

    /// <summary>A metadata entry is malformed (empty key, bad <c>general.alignment</c>, ...).</summary>
    InvalidMetadata,

    /// <summary>A tensor info is malformed: dimensions, element count, block alignment of the row, name length.</summary>
    BadTensor,

    /// <summary>A tensor has a ggml type id this reader does not know.</summary>
    UnknownTensorType,

    /// <summary>The same tensor name occurs twice.</summary>
    DuplicateTensorName,

    /// <summary>A tensor's data offset is not a multiple of the alignment.</summary>
    MisalignedTensor,

    /// <summary>A tensor's data reaches past the end of the file.</summary>
    TensorOutOfBounds,

    /// <summary><c>general.architecture</c> is not an architecture llama.cpp knows.</summary>
    UnsupportedArchitecture,

    /// <summary>A key required for the model is absent.</summary>
    MissingKey,

    /// <summary>A key has a value of the wrong type or out of range.</summary>
    WrongKeyType,
}
