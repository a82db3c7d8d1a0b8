using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ExpertRouter.Core.Validation;

/// <summary>
/// Parses validation sets written as JSON Lines, one item per line:
/// <c>{"id": "q1", "question": "...", "choices": ["...", "..."], "answer": "B", "skills": ["algebra"], "kind": "math"}</c>.
/// <list type="bullet">
/// <item><c>question</c> (string) and <c>answer</c> (string or number) are required; other fields are optional and unknown fields are ignored.</item>
/// <item><c>choices</c>: an array of strings or an object keyed by letter (<c>{"A": "...", "B": "..."}</c>), 2 to 26 of them.</item>
/// <item>For multiple choice the answer may be a letter, the exact text of a choice, or a 0-based index (a JSON number or a string of digits); it is stored as the letter.</item>
/// <item><c>skills</c> or <c>keywords</c>: arrays of strings, lower-cased.</item>
/// <item><c>kind</c>: <c>multiple_choice</c>, <c>math</c> or <c>free_text</c>; otherwise inferred (choices: multiple choice; a numeric or LaTeX-looking answer: math; else free text).</item>
/// </list>
/// Blank lines are skipped, a leading UTF-8 byte-order mark is accepted, and every bad line yields a
/// <see cref="ValidationLineError"/> while the good lines are kept. Stateless and thread-safe.
/// </summary>
public static class ValidationSetParser
{
    /// <summary>Most choices an item may have: one per letter A-Z.</summary>
    public const int MaxChoices = 26;

    public static ValidationParseResult Parse(TextReader reader, int maxItems = 100_000)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItems);

        var items = new List<ValidationItem>();
        var errors = new List<ValidationLineError>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (lineNumber == 1 && line.Length > 0 && line[0] == '\uFEFF')
            {
                line = line[1..];
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (items.Count >= maxItems)
            {
                errors.Add(new ValidationLineError(lineNumber,
                    $"too many items: at most {maxItems.ToString(CultureInfo.InvariantCulture)} are read; this line and the rest were ignored"));
                break;
            }

            var problems = new List<string>();
            ValidationItem? item = ParseLine(line, lineNumber, problems);
            if (item is not null && ids.TryGetValue(item.Id, out int firstLine))
            {
                problems.Add($"duplicate id '{item.Id}' (first used on line {firstLine.ToString(CultureInfo.InvariantCulture)})");
                item = null;
            }

            if (item is null)
            {
                errors.Add(new ValidationLineError(lineNumber, string.Join("; ", problems)));
                continue;
            }

            ids.Add(item.Id, lineNumber);
            items.Add(item);
        }

        return new ValidationParseResult(items, errors);
    }

    /// <summary>Parses a file (UTF-8, with or without a byte-order mark).</summary>
    public static ValidationParseResult ParseFile(string path, int maxItems = 100_000)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader, maxItems);
    }

    /// <summary>Formats choices as <c>"A. first\nB. second"</c>.</summary>
    public static string FormatChoices(IReadOnlyList<string> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        if (choices.Count > MaxChoices)
        {
            throw new ArgumentException($"At most {MaxChoices} choices can be lettered.", nameof(choices));
        }

        var builder = new StringBuilder();
        for (int i = 0; i < choices.Count; i++)
        {
            if (i > 0)
            {
                builder.Append('\n');
            }

            builder.Append(LetterOf(i)).Append(". ").Append(choices[i]);
        }

        return builder.ToString();
    }

    /// <summary>The letter of a 0-based choice index: 0 is 'A'.</summary>
    public static char LetterOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxChoices);
        return (char)('A' + index);
    }

    private static ValidationItem? ParseLine(string line, int lineNumber, List<string> problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            problems.Add($"invalid JSON: {ex.Message}");
            return null;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"expected a JSON object, found {Describe(root.ValueKind)}");
                return null;
            }

            return new ValidationLineReader(lineNumber, problems).Read(root);
        }
    }

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
