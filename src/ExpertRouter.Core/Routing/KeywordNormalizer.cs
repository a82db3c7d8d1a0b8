using System.Text;
using System.Text.RegularExpressions;

namespace ExpertRouter.Core.Routing;

/// <summary>
/// Skill-keyword normalisation and filtering as in the Symbolic-MoE reference (ALGORITHMS.md §1 step 1):
/// lower-cased, trimmed, trailing dot removed, at most 20 characters, kept when seen in more than one sample.
/// </summary>
public static partial class KeywordNormalizer
{
    /// <summary>The reference's maximum keyword length, in characters.</summary>
    public const int DefaultMaxLength = 20;

    private static readonly char[] WrappingChars = ['"', '\'', '`', '*', '_', '\u201C', '\u201D', '\u2018', '\u2019', '\u00AB', '\u00BB'];

    private static readonly HashSet<string> Labels = new(StringComparer.Ordinal)
    {
        "keywords", "keyword", "skills", "skill", "key skills", "required skills", "skills needed",
    };

    /// <summary>
    /// Normalises one keyword with the reference's limit of <see cref="DefaultMaxLength"/> characters; see
    /// <see cref="NormalizeWithMaxLength"/>. Single-parameter on purpose, so that <c>keywords.Select(KeywordNormalizer.Normalize)</c>
    /// binds to <c>Func&lt;string, string?&gt;</c> (an optional second int would bind LINQ's element index to it).
    /// </summary>
    /// <param name="keyword">The raw keyword; null is allowed.</param>
    /// <returns>The normalised keyword, or null when it is null, empty after normalisation, or too long.</returns>
    public static string? Normalize(string? keyword) => NormalizeWithMaxLength(keyword, DefaultMaxLength);

    /// <summary>
    /// Normalises one keyword: trim, lower-case (invariant), every trailing '.' removed (then trimmed again),
    /// runs of inner whitespace collapsed to one space.
    /// </summary>
    /// <param name="keyword">The raw keyword; null is allowed.</param>
    /// <param name="maxLength">Longest accepted result, in UTF-16 characters, measured after normalisation; positive.</param>
    /// <returns>The normalised keyword, or null when it is null, empty after normalisation, or longer than <paramref name="maxLength"/>.</returns>
    public static string? NormalizeWithMaxLength(string? keyword, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        if (keyword is null)
        {
            return null;
        }

        var trimmed = keyword.Trim();
        while (trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1].TrimEnd();
        }

        if (trimmed.Length == 0)
        {
            return null;
        }

        var sb = new StringBuilder(trimmed.Length);
        var pendingSpace = false;
        foreach (var c in trimmed)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.Length == 0 || sb.Length > maxLength ? null : sb.ToString();
    }

    /// <summary>
    /// Extracts keywords from a keyword model's answer. Items are separated by line breaks, commas or semicolons;
    /// list markers ("1." "2)" "(3)" "-" "*" "•" "#") and surrounding quotes, back-ticks and markdown emphasis are
    /// stripped; a leading label such as "Keywords:" is dropped and a line ending in ':' is taken as a header and
    /// skipped. Every item is then passed through <see cref="NormalizeWithMaxLength"/>; rejected items are dropped.
    /// </summary>
    /// <param name="text">The model's output; null or empty gives an empty list.</param>
    /// <param name="maxLength">See <see cref="NormalizeWithMaxLength"/>.</param>
    /// <returns>Distinct normalised keywords in order of first appearance.</returns>
    public static IReadOnlyList<string> ParseModelOutput(string? text, int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        var result = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rawLine in text.Split('\n'))
        {
            var line = StripMarker(rawLine.Trim());
            if (line.Length == 0 || line.EndsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && Labels.Contains(StripWrapping(line[..colon]).Trim().ToLowerInvariant()))
            {
                line = line[(colon + 1)..];
            }

            foreach (var part in line.Split([',', ';']))
            {
                var item = StripWrapping(StripMarker(part.Trim()));
                var normalized = NormalizeWithMaxLength(item, maxLength);
                if (normalized is not null && seen.Add(normalized))
                {
                    result.Add(normalized);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Keeps the keywords that appear in at least <paramref name="minSamples"/> samples (the reference: "in more than
    /// one sample", i.e. the default 2). Every keyword is normalised with <see cref="NormalizeWithMaxLength"/> first and counted at
    /// most once per sample.
    /// </summary>
    /// <param name="samples">One keyword list per sampled annotation.</param>
    /// <param name="minSamples">Minimum number of samples a keyword must appear in; at least 1.</param>
    /// <param name="maxLength">See <see cref="NormalizeWithMaxLength"/>.</param>
    /// <returns>Kept keywords ordered by sample count descending, then by first appearance (sample order, then position).</returns>
    public static IReadOnlyList<string> KeepRepeated(IEnumerable<IEnumerable<string>> samples, int minSamples = 2, int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minSamples);
        var counts = new Dictionary<string, (int Count, int First)>(StringComparer.Ordinal);
        var order = 0;
        foreach (var sample in samples)
        {
            if (sample is null)
            {
                continue;
            }

            var inSample = new HashSet<string>(StringComparer.Ordinal);
            foreach (var keyword in sample)
            {
                var normalized = NormalizeWithMaxLength(keyword, maxLength);
                if (normalized is null || !inSample.Add(normalized))
                {
                    continue;
                }

                counts[normalized] = counts.TryGetValue(normalized, out var c) ? (c.Count + 1, c.First) : (1, order++);
            }
        }

        return counts
            .Where(kv => kv.Value.Count >= minSamples)
            .OrderByDescending(kv => kv.Value.Count)
            .ThenBy(kv => kv.Value.First)
            .Select(kv => kv.Key)
            .ToList();
    }

    private static string StripMarker(string s)
    {
        var m = MarkerRegex().Match(s);
        return m.Success ? s[m.Length..].Trim() : s;
    }

    private static string StripWrapping(string s)
    {
        // Quotes and emphasis may sit inside or outside a trailing dot ("x". or "x."), so strip both until stable.
        string previous;
        do
        {
            previous = s;
            s = s.Trim().TrimEnd('.').Trim(WrappingChars);
        }
        while (!string.Equals(s, previous, StringComparison.Ordinal));

        return s.Trim();
    }

    [GeneratedRegex(@"^(?:[-*•·+–—#>]+|\(?\d{1,3}[.):](?!\d))\s*", RegexOptions.CultureInvariant)]
    private static partial Regex MarkerRegex();
}
