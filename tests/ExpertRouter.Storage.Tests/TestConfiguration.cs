using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace ExpertRouter.Storage.Tests;

/// <summary>
/// A dictionary-backed <see cref="IConfiguration"/> ("A:B:C" keys, case-insensitive), enough for the
/// binder. (Microsoft.Extensions.Configuration itself is not among the repository's packages.)
/// </summary>
internal sealed class TestConfiguration : IConfigurationSection
{
    private readonly Dictionary<string, string?> _values;

    public TestConfiguration(IDictionary<string, string?> values)
        : this(new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase), string.Empty)
    {
    }

    private TestConfiguration(Dictionary<string, string?> values, string path)
    {
        _values = values;
        Path = path;
    }

    public string Key => Path[(Path.LastIndexOf(':') + 1)..];

    public string Path { get; }

    public string? Value
    {
        get => _values.GetValueOrDefault(Path);
        set => _values[Path] = value;
    }

    public string? this[string key]
    {
        get => _values.GetValueOrDefault(Combine(key));
        set => _values[Combine(key)] = value;
    }

    public IConfigurationSection GetSection(string key) => new TestConfiguration(_values, Combine(key));

    public IEnumerable<IConfigurationSection> GetChildren()
    {
        var prefix = Path.Length == 0 ? string.Empty : Path + ":";
        return _values.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && k.Length > prefix.Length)
            .Select(k => k[prefix.Length..].Split(':')[0])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(GetSection)
            .ToArray();
    }

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    private string Combine(string key) => Path.Length == 0 ? key : $"{Path}:{key}";
}
