using System.Collections.ObjectModel;
using System.Globalization;

namespace ExpertRouter.LlamaCpp.Gguf;

/// <summary>
/// The parsed header of a GGUF file: version, metadata key/values in file order, tensor infos and where the
/// data section starts. Created by <see cref="GgufReader"/>; holds no tensor data.
/// </summary>
public sealed class GgufFile
{
    private readonly Dictionary<string, GgufMetadataValue> _metadata;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    internal GgufFile(
        string filePath,
        uint version,
        long fileSize,
        int alignment,
        long dataOffset,
        List<string> keys,
        Dictionary<string, GgufMetadataValue> metadata,
        List<GgufTensorInfo> tensors)
    {
        FilePath = filePath;
        Version = version;
        FileSize = fileSize;
        Alignment = alignment;
        DataOffset = dataOffset;
        MetadataKeys = new ReadOnlyCollection<string>(keys);
        _metadata = metadata;
        Metadata = new ReadOnlyDictionary<string, GgufMetadataValue>(metadata);
        Tensors = new ReadOnlyCollection<GgufTensorInfo>(tensors);
        _tensorsByName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The path the file was read from (or the name given with a stream).</summary>
    public string FilePath { get; }

    /// <summary>The GGUF version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>The total size of the file in bytes.</summary>
    public long FileSize { get; }

    /// <summary>The alignment of tensor data (<c>general.alignment</c>, default 32).</summary>
    public int Alignment { get; }

    /// <summary>The absolute offset of the tensor data section.</summary>
    public long DataOffset { get; }

    /// <summary>The metadata keys in file order.</summary>
    public IReadOnlyList<string> MetadataKeys { get; }

    /// <summary>The metadata by key.</summary>
    public IReadOnlyDictionary<string, GgufMetadataValue> Metadata { get; }

    /// <summary>The tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>The sum of the tensors' element counts.</summary>
    public long ParameterCount => Tensors.Sum(t => t.ElementCount);

    /// <summary>The sum of the tensors' data sizes in bytes (without alignment padding).</summary>
    public long TensorDataBytes => Tensors.Sum(t => t.ByteSize);

    /// <summary>Reads the header of the GGUF file at <paramref name="path"/>; see <see cref="GgufReader.Read(string)"/>.</summary>
    public static GgufFile Read(string path) => GgufReader.Read(path);

    public bool TryGetValue(string key, out GgufMetadataValue value) => _metadata.TryGetValue(key, out value!);

    public bool ContainsKey(string key) => _metadata.ContainsKey(key);

    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    /// <summary>The value of <paramref name="key"/>; a <see cref="GgufProblem.MissingKey"/> error when absent.</summary>
    public GgufMetadataValue GetRequired(string key) =>
        _metadata.TryGetValue(key, out var value) ? value : throw Error(GgufProblem.MissingKey, $"required key '{key}' is missing");

    /// <summary>A string value, null when absent; <see cref="GgufProblem.WrongKeyType"/> when not a string.</summary>
    public string? GetStringOrNull(string key)
    {
        if (!_metadata.TryGetValue(key, out var value))
        {
            return null;
        }

        return value.Type == GgufValueType.String
            ? value.AsString()
            : throw Error(GgufProblem.WrongKeyType, $"key '{key}' must be a string but is {value.Type}");
    }

    /// <summary>A required string value.</summary>
    public string GetString(string key) => GetStringOrNull(key) ?? throw Error(GgufProblem.MissingKey, $"required key '{key}' is missing");

    /// <summary>An integer value of any integer type, null when absent; <see cref="GgufProblem.WrongKeyType"/> when not an integer.</summary>
    public long? GetIntegerOrNull(string key)
    {
        if (!_metadata.TryGetValue(key, out var value))
        {
            return null;
        }

        return value.Type != GgufValueType.Bool && value.TryGetInteger(out var result)
            ? result
            : throw Error(GgufProblem.WrongKeyType, $"key '{key}' must be an integer but is {value}");
    }

    /// <summary>A required integer value.</summary>
    public long GetInteger(string key) => GetIntegerOrNull(key) ?? throw Error(GgufProblem.MissingKey, $"required key '{key}' is missing");

    /// <summary>A floating-point value (float32/float64, integers accepted), null when absent.</summary>
    public double? GetFloatingPointOrNull(string key)
    {
        if (!_metadata.TryGetValue(key, out var value))
        {
            return null;
        }

        return value.Type != GgufValueType.Bool && !value.IsArray && value.TryGetFloatingPoint(out var result)
            ? result
            : throw Error(GgufProblem.WrongKeyType, $"key '{key}' must be a number but is {value}");
    }

    /// <summary>A bool value, null when absent.</summary>
    public bool? GetBoolOrNull(string key)
    {
        if (!_metadata.TryGetValue(key, out var value))
        {
            return null;
        }

        return value.Type == GgufValueType.Bool
            ? value.AsBool()
            : throw Error(GgufProblem.WrongKeyType, $"key '{key}' must be a bool but is {value.Type}");
    }

    /// <summary>Makes a <see cref="GgufFormatException"/> about this file.</summary>
    public GgufFormatException Error(GgufProblem problem, string detail) => new(FilePath, problem, detail);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"GGUF v{Version} '{FilePath}': {Metadata.Count} keys, {Tensors.Count} tensors");
}
