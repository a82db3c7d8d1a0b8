using System.Globalization;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// The one exception the GGUF reader throws (an <see cref="IOException"/>) for anything wrong with a file: missing, unreadable, malformed,
/// or describing a model llama.cpp cannot load. <see cref="Problem"/> says what, <see cref="FilePath"/> where,
/// and <see cref="Offset"/> at which byte when that is meaningful.
/// </summary>
public sealed class GgufFormatException : IOException
{
    public GgufFormatException()
        : this("The GGUF file is invalid.")
    {
    }

    public GgufFormatException(string message)
        : base(message)
    {
        FilePath = string.Empty;
        Detail = message;
    }

    public GgufFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
        Detail = message;
    }

    public GgufFormatException(string filePath, GgufProblem problem, string detail, long? offset = null, Exception? innerException = null)
        : base(Format(filePath, problem, detail, offset), innerException)
    {
        FilePath = filePath ?? string.Empty;
        Problem = problem;
        Detail = detail ?? string.Empty;
        Offset = offset;
    }

    /// <summary>The path (or stream name) of the file.</summary>
    public string FilePath { get; }

    /// <summary>The machine-readable kind of failure.</summary>
    public GgufProblem Problem { get; }

    /// <summary>The byte offset in the file where the problem was found, when it applies.</summary>
    public long? Offset { get; }

    /// <summary>The description of the problem without the file name and offset.</summary>
    public string Detail { get; }

    private static string Format(string filePath, GgufProblem problem, string detail, long? offset)
    {
        var at = offset is { } o ? string.Create(CultureInfo.InvariantCulture, $" (at byte offset {o})") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"Invalid GGUF file '{filePath}': {problem}: {detail}{at}");
    }
}
