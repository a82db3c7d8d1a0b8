using System.Text;
using System.Text.RegularExpressions;

namespace ExpertRouter.Core.Prompts;

/// <summary>
/// One versioned prompt template. Placeholders are written <c>{{name}}</c> (letters, digits and
/// underscores); <c>{{</c> is reserved for them and may not appear otherwise. Immutable and thread-safe.
/// </summary>
public sealed partial class PromptTemplate
{
    /// <summary>Throws <see cref="ArgumentException"/> when the name is not kebab-case, the version is below 1, or the text holds a malformed placeholder.</summary>
    public PromptTemplate(string name, int version, string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(text);
        if (!NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"Prompt name '{name}' must be lower-case letters, digits, '-' or '_'.", nameof(name));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        int malformed = FindMalformedPlaceholder(text);
        if (malformed >= 0)
        {
            throw new ArgumentException(
                $"Prompt '{name}.v{version}' has a malformed placeholder at line {LineAt(text, malformed)}: '{Excerpt(text, malformed)}'. Placeholders are written {{{{name}}}}.",
                nameof(text));
        }

        Name = name;
        Version = version;
        Text = text;
        Placeholders = [.. Placeholder().Matches(text).Select(m => m.Groups["name"].Value).Distinct(StringComparer.Ordinal)];
    }

    public string Name { get; }

    public int Version { get; }

    public string Text { get; }

    /// <summary>The distinct placeholder names, in order of first appearance.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    /// <summary>
    /// Replaces every placeholder with its value in one pass: values are inserted literally, so braces in a
    /// value are never expanded again. Throws <see cref="InvalidOperationException"/> naming every placeholder
    /// that has no value. Values for names the template does not use are ignored.
    /// </summary>
    public string Render(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] missing = [.. Placeholders.Where(p => !values.TryGetValue(p, out string? v) || v is null)];
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"Prompt '{Name}.v{Version}' needs a value for {string.Join(", ", missing.Select(m => "{{" + m + "}}"))}.");
        }

        return Placeholder().Replace(Text, m => values[m.Groups["name"].Value]);
    }

    public override string ToString() => $"{Name}.v{Version}";

    internal static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>Index of the first <c>{{</c> that does not start a well-formed placeholder, or -1.</summary>
    internal static int FindMalformedPlaceholder(string text)
    {
        int index = 0;
        while ((index = text.IndexOf("{{", index, StringComparison.Ordinal)) >= 0)
        {
            Match match = Placeholder().Match(text, index);
            if (!match.Success || match.Index != index)
            {
                return index;
            }

            index = match.Index + match.Length;
        }

        return -1;
    }

    internal static int LineAt(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static string Excerpt(string text, int index)
    {
        int end = text.IndexOf('\n', index);
        string rest = end < 0 ? text[index..] : text[index..end];
        return rest.Length <= 40 ? rest : new StringBuilder(rest, 0, 40, 43).Append("...").ToString();
    }

    [GeneratedRegex(@"\{\{\s*(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex("^[a-z0-9]+(?:[-_][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
