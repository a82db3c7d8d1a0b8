using System.Globalization;
using System.Text.RegularExpressions;
using ExpertRouter.Core.Skills;

namespace ExpertRouter.Core.Prompts;

/// <summary>
/// The prompt templates, each identified by name and version. Loaded from a folder of
/// <c>&lt;name&gt;.v&lt;N&gt;.txt</c> files (see <c>prompts/</c> at the repository root) with
/// <see cref="Load"/>, or built from <see cref="PromptTemplate"/>s. Immutable and thread-safe.
/// </summary>
public sealed partial class PromptLibrary
{
    /// <summary>The folder name <see cref="FindDefaultDirectory"/> looks for.</summary>
    public const string DefaultDirectoryName = "prompts";

    private readonly Dictionary<string, SortedList<int, PromptTemplate>> _byName;

    /// <summary>Throws <see cref="ArgumentException"/> when two templates share a name and version.</summary>
    public PromptLibrary(IEnumerable<PromptTemplate> templates)
    {
        ArgumentNullException.ThrowIfNull(templates);
        _byName = new Dictionary<string, SortedList<int, PromptTemplate>>(StringComparer.Ordinal);
        foreach (PromptTemplate template in templates)
        {
            if (!_byName.TryGetValue(template.Name, out SortedList<int, PromptTemplate>? versions))
            {
                versions = [];
                _byName.Add(template.Name, versions);
            }

            if (!versions.TryAdd(template.Version, template))
            {
                throw new ArgumentException($"Duplicate prompt template '{template}'.", nameof(templates));
            }
        }

        Names = [.. _byName.Keys.Order(StringComparer.Ordinal)];
        Templates = [.. Names.SelectMany(n => _byName[n].Values)];
    }

    /// <summary>Template names, sorted.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Every template, every version, sorted by name then version.</summary>
    public IReadOnlyList<PromptTemplate> Templates { get; }

    /// <summary>The highest version of <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> when there is none.</summary>
    public PromptTemplate Get(string name) =>
        TryGet(name, out PromptTemplate? template)
            ? template
            : throw new KeyNotFoundException($"No prompt template named '{name}'. Known: {string.Join(", ", Names)}.");

    /// <summary>One exact version; throws <see cref="KeyNotFoundException"/> when it does not exist.</summary>
    public PromptTemplate Get(string name, int version)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out SortedList<int, PromptTemplate>? versions)
            && versions.TryGetValue(version, out PromptTemplate? template))
        {
            return template;
        }

        throw new KeyNotFoundException($"No prompt template '{name}.v{version.ToString(CultureInfo.InvariantCulture)}'.");
    }

    /// <summary>The highest version of <paramref name="name"/>, if any.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PromptTemplate? template)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out SortedList<int, PromptTemplate>? versions))
        {
            template = versions.Values[^1];
            return true;
        }

        template = null;
        return false;
    }

    /// <summary>Renders the highest version of <paramref name="name"/>; see <see cref="PromptTemplate.Render"/>.</summary>
    public string Render(string name, IReadOnlyDictionary<string, string> values) => Get(name).Render(values);

    /// <summary>Renders one exact version; see <see cref="PromptTemplate.Render"/>.</summary>
    public string Render(string name, int version, IReadOnlyDictionary<string, string> values) => Get(name, version).Render(values);

    /// <summary>
    /// Reads every <c>*.txt</c> file of <paramref name="directory"/>: each must be named
    /// <c>&lt;name&gt;.v&lt;N&gt;.txt</c>. Line endings become <c>\n</c> and trailing whitespace is trimmed.
    /// Throws <see cref="DirectoryNotFoundException"/> for a missing folder and <see cref="InvalidDataException"/>
    /// naming the file (and line) for a bad name, a duplicate version or a malformed placeholder.
    /// </summary>
    public static PromptLibrary Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Prompt directory '{directory}' does not exist.");
        }

        var templates = new List<PromptTemplate>();
        var seen = new Dictionary<(string, int), string>();
        foreach (string path in Directory.EnumerateFiles(directory, "*.txt").Order(StringComparer.Ordinal))
        {
            string fileName = Path.GetFileName(path);
            Match match = FileNamePattern().Match(fileName);
            if (!match.Success
                || !int.TryParse(match.Groups["version"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int version)
                || version < 1
                || !PromptTemplate.IsValidName(match.Groups["name"].Value))
            {
                throw new InvalidDataException(
                    $"{path}: a prompt file must be named <name>.v<N>.txt with a lower-case kebab-case name and N >= 1.");
            }

            string name = match.Groups["name"].Value;
            if (seen.TryGetValue((name, version), out string? other))
            {
                throw new InvalidDataException($"{path}: duplicate prompt '{name}.v{version.ToString(CultureInfo.InvariantCulture)}' (also in {other}).");
            }

            seen.Add((name, version), path);
            string text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd();
            int malformed = PromptTemplate.FindMalformedPlaceholder(text);
            if (malformed >= 0)
            {
                throw new InvalidDataException(
                    $"{path}, line {PromptTemplate.LineAt(text, malformed).ToString(CultureInfo.InvariantCulture)}: malformed placeholder; placeholders are written {{{{name}}}} and '{{{{' is reserved for them.");
            }

            templates.Add(new PromptTemplate(name, version, text));
        }

        return new PromptLibrary(templates);
    }

    /// <summary>
    /// The nearest <c>prompts</c> folder holding <c>*.txt</c> files, searching upwards from
    /// <see cref="AppContext.BaseDirectory"/> and then from the current directory; null when there is none.
    /// </summary>
    public static string? FindDefaultDirectory() => DataDirectoryLocator.Find(DefaultDirectoryName, "*.txt");

    /// <summary>Loads the folder found by <see cref="FindDefaultDirectory"/>; throws <see cref="DirectoryNotFoundException"/> when there is none.</summary>
    public static PromptLibrary LoadDefault() =>
        Load(FindDefaultDirectory() ?? throw new DirectoryNotFoundException(
            $"No '{DefaultDirectoryName}' folder with *.txt files was found above '{AppContext.BaseDirectory}' or the current directory."));

    [GeneratedRegex(@"^(?<name>.+)\.v(?<version>[0-9]{1,9})\.txt$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
