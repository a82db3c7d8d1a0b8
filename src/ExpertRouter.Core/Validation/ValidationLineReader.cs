using System.Globalization;
using System.Text.Json;

namespace ExpertRouter.Core.Validation;

/// <summary>Reads the fields of one JSON object into a <see cref="ValidationItem"/>, collecting every problem.</summary>
internal sealed class ValidationLineReader(int lineNumber, List<string> problems)
{
    public ValidationItem? Read(JsonElement root)
    {
        string? question = null;
        JsonElement? answer = null;
        List<string>? choices = null;
        List<string>? skills = null;
        string? id = null;
        AnswerKind? kind = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int problemsBefore = problems.Count;

        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                problems.Add($"duplicate field '{property.Name}'");
                continue;
            }

            JsonElement value = property.Value;
            switch (property.Name)
            {
                case "question":
                    question = ReadRequiredString(value, "question");
                    break;
                case "answer":
                    answer = value;
                    break;
                case "choices":
                    choices = ReadChoices(value);
                    break;
                case "skills":
                case "keywords":
                    List<string>? read = ReadSkills(value, property.Name);
                    if (read is not null)
                    {
                        skills = skills is null ? read : [.. skills.Union(read, StringComparer.Ordinal)];
                    }

                    break;
                case "id":
                    id = ReadId(value);
                    break;
                case "kind":
                    kind = ReadKind(value);
                    break;
                default:
                    // Datasets carry extra columns (category, source, ...); they are not ours to judge.
                    break;
            }
        }

        if (!seen.Contains("question"))
        {
            problems.Add("missing required field 'question'");
        }

        string? gold = null;
        if (answer is null || answer.Value.ValueKind == JsonValueKind.Null)
        {
            problems.Add("missing required field 'answer'");
        }
        else if (answer.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            problems.Add($"'answer' must be a string or a number, found {ValidationSetParser.Describe(answer.Value.ValueKind)}");
        }
        else if (problems.Count == problemsBefore)
        {
            AnswerKind resolved = kind ?? InferKind(choices, answer.Value);
            if (resolved == AnswerKind.MultipleChoice)
            {
                gold = choices is null ? Fail("kind 'multiple_choice' needs 'choices'") : ResolveChoice(answer.Value, choices);
            }
            else
            {
                gold = answer.Value.ValueKind == JsonValueKind.Number ? answer.Value.GetRawText() : answer.Value.GetString()!.Trim();
                if (gold.Length == 0)
                {
                    gold = Fail("'answer' is empty");
                }
            }

            kind = resolved;
        }

        if (problems.Count > problemsBefore || question is null || gold is null || kind is null)
        {
            return null;
        }

        return new ValidationItem(
            lineNumber,
            id ?? "item-" + lineNumber.ToString(CultureInfo.InvariantCulture),
            question,
            choices,
            gold,
            skills,
            kind.Value);
    }

    private static AnswerKind InferKind(List<string>? choices, JsonElement answer)
    {
        if (choices is not null)
        {
            return AnswerKind.MultipleChoice;
        }

        return answer.ValueKind == JsonValueKind.Number || AnswerChecker.LooksLikeMath(answer.GetString()!)
            ? AnswerKind.Math
            : AnswerKind.FreeText;
    }

    private string? ResolveChoice(JsonElement answer, List<string> choices)
    {
        int count = choices.Count;
        string range = $"A-{ValidationSetParser.LetterOf(count - 1)}";
        if (answer.ValueKind == JsonValueKind.Number)
        {
            if (!answer.TryGetInt32(out int index))
            {
                return Fail($"answer index {answer.GetRawText()} is not an integer (indexes are 0-based)");
            }

            return index >= 0 && index < count
                ? ValidationSetParser.LetterOf(index).ToString()
                : Fail($"answer index {index.ToString(CultureInfo.InvariantCulture)} is out of range for {count.ToString(CultureInfo.InvariantCulture)} choices (indexes are 0-based)");
        }

        string text = answer.GetString()!.Trim();
        string letterForm = text.Trim('(', ')', '[', ']', '.', ' ');
        if (letterForm.Length == 1 && char.IsAsciiLetter(letterForm[0]))
        {
            int index = char.ToUpperInvariant(letterForm[0]) - 'A';
            return index < count
                ? ValidationSetParser.LetterOf(index).ToString()
                : Fail($"answer letter '{char.ToUpperInvariant(letterForm[0])}' is out of range for {count.ToString(CultureInfo.InvariantCulture)} choices ({range})");
        }

        int match = choices.FindIndex(c => string.Equals(c.Trim(), text, StringComparison.Ordinal));
        if (match < 0)
        {
            match = choices.FindIndex(c => string.Equals(c.Trim(), text, StringComparison.OrdinalIgnoreCase));
        }

        if (match >= 0)
        {
            return ValidationSetParser.LetterOf(match).ToString();
        }

        if (text.Length is > 0 and <= 2 && text.All(char.IsAsciiDigit))
        {
            int index = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            return index < count
                ? ValidationSetParser.LetterOf(index).ToString()
                : Fail($"answer index {index.ToString(CultureInfo.InvariantCulture)} is out of range for {count.ToString(CultureInfo.InvariantCulture)} choices (indexes are 0-based)");
        }

        return Fail($"answer '{Shorten(text)}' is neither a letter ({range}), a 0-based index nor the text of a choice");
    }

    private string? ReadRequiredString(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return Fail($"'{field}' must be a string, found {ValidationSetParser.Describe(value.ValueKind)}");
        }

        string text = value.GetString()!.Trim();
        return text.Length > 0 ? text : Fail($"'{field}' is empty");
    }

    private List<string>? ReadChoices(JsonElement value)
    {
        List<string>? choices;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Array:
                choices = [];
                int i = 0;
                foreach (JsonElement element in value.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.String)
                    {
                        return FailList($"choices[{i.ToString(CultureInfo.InvariantCulture)}] must be a string, found {ValidationSetParser.Describe(element.ValueKind)}");
                    }

                    choices.Add(element.GetString()!.Trim());
                    i++;
                }

                break;
            case JsonValueKind.Object:
                choices = ReadLetteredChoices(value);
                if (choices is null)
                {
                    return null;
                }

                break;
            default:
                return FailList($"'choices' must be an array of strings or an object keyed by letter, found {ValidationSetParser.Describe(value.ValueKind)}");
        }

        if (choices.Count > ValidationSetParser.MaxChoices)
        {
            return FailList($"too many choices: {choices.Count.ToString(CultureInfo.InvariantCulture)} (at most {ValidationSetParser.MaxChoices.ToString(CultureInfo.InvariantCulture)}, one per letter)");
        }

        if (choices.Count < 2)
        {
            return FailList("'choices' needs at least 2 entries");
        }

        int empty = choices.FindIndex(c => c.Length == 0);
        return empty < 0 ? choices : FailList($"choice {ValidationSetParser.LetterOf(empty)} is empty");
    }

    private List<string>? ReadLetteredChoices(JsonElement value)
    {
        var byIndex = new SortedDictionary<int, string>();
        foreach (JsonProperty property in value.EnumerateObject())
        {
            string key = property.Name.Trim();
            if (key.Length != 1 || !char.IsAsciiLetter(key[0]))
            {
                return FailList($"'choices' keys must be single letters A-Z, found '{Shorten(property.Name)}'");
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                return FailList($"choice {key.ToUpperInvariant()} must be a string, found {ValidationSetParser.Describe(property.Value.ValueKind)}");
            }

            if (!byIndex.TryAdd(char.ToUpperInvariant(key[0]) - 'A', property.Value.GetString()!.Trim()))
            {
                return FailList($"choice {key.ToUpperInvariant()} appears twice");
            }
        }

        int expected = 0;
        foreach (int index in byIndex.Keys)
        {
            if (index != expected)
            {
                return FailList($"'choices' letters must run from A without gaps; {ValidationSetParser.LetterOf(expected)} is missing");
            }

            expected++;
        }

        return [.. byIndex.Values];
    }

    private List<string>? ReadSkills(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return FailList($"'{field}' must be an array of strings, found {ValidationSetParser.Describe(value.ValueKind)}");
        }

        var skills = new List<string>();
        foreach (JsonElement element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                return FailList($"'{field}' must contain only strings, found {ValidationSetParser.Describe(element.ValueKind)}");
            }

            string skill = string.Join(' ', element.GetString()!.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .TrimEnd('.')
                .ToLowerInvariant();
            if (skill.Length > 0 && !skills.Contains(skill, StringComparer.Ordinal))
            {
                skills.Add(skill);
            }
        }

        return skills;
    }

    private string? ReadId(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Number:
                return value.GetRawText();
            case JsonValueKind.String:
                string id = value.GetString()!.Trim();
                return id.Length > 0 ? id : Fail("'id' is empty");
            default:
                return Fail($"'id' must be a string or a number, found {ValidationSetParser.Describe(value.ValueKind)}");
        }
    }

    private AnswerKind? ReadKind(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Fail($"'kind' must be a string, found {ValidationSetParser.Describe(value.ValueKind)}");
            return null;
        }

        string kind = value.GetString()!.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        if (kind.Equals("multiplechoice", StringComparison.OrdinalIgnoreCase) || kind.Equals("mc", StringComparison.OrdinalIgnoreCase))
        {
            return AnswerKind.MultipleChoice;
        }

        if (kind.Equals("math", StringComparison.OrdinalIgnoreCase) || kind.Equals("numeric", StringComparison.OrdinalIgnoreCase))
        {
            return AnswerKind.Math;
        }

        if (kind.Equals("freetext", StringComparison.OrdinalIgnoreCase) || kind.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            return AnswerKind.FreeText;
        }

        Fail($"unknown kind '{Shorten(value.GetString()!)}' (use multiple_choice, math or free_text)");
        return null;
    }

    private string? Fail(string message)
    {
        problems.Add(message);
        return null;
    }

    private List<string>? FailList(string message)
    {
        problems.Add(message);
        return null;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}
