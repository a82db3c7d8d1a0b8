using System.Text.RegularExpressions;

namespace ExpertRouter.Core.Validation;

/// <summary>
/// Pulls the final answer out of a model's output. Reasoning up to the last <c>&lt;/think&gt;</c> is
/// cut first. Then:
/// <list type="bullet">
/// <item>Multiple choice: the last of <c>Answer: X</c>, <c>the answer is (X)</c> and <c>\boxed{X}</c> whose letter
/// is within <c>choiceCount</c> (when given), else a last line holding only a letter; returned upper-case.</item>
/// <item>Math: the last <c>\boxed{...}</c> (nested braces allowed), else the last <c>Answer: ...</c> /
/// <c>the answer is ...</c>, else the last number in the text.</item>
/// <item>Free text: the last <c>Answer: ...</c> / <c>the answer is ...</c>, else the last non-empty line.</item>
/// </list>
/// Returns null when nothing usable is found. Stateless and thread-safe.
/// </summary>
public static partial class AnswerExtractor
{
    private const string ThinkEnd = "</think>";

    public static string? Extract(string output, AnswerKind kind, int choiceCount = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        string text = StripReasoning(output);
        return kind switch
        {
            AnswerKind.MultipleChoice => ExtractChoice(text, choiceCount),
            AnswerKind.Math => ExtractMath(text),
            _ => ExtractFreeText(text),
        };
    }

    /// <summary>The text after the last <c>&lt;/think&gt;</c> (case-insensitive), or all of it when there is none.</summary>
    public static string StripReasoning(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int end = output.LastIndexOf(ThinkEnd, StringComparison.OrdinalIgnoreCase);
        return end < 0 ? output : output[(end + ThinkEnd.Length)..];
    }

    private static string? ExtractChoice(string text, int choiceCount)
    {
        var candidates = new List<(int Index, char Letter)>();
        foreach (Match m in AnswerColonLetter().Matches(text))
        {
            AddLetter(candidates, text, m, strictCase: false);
        }

        foreach (Match m in AnswerIsLetter().Matches(text))
        {
            AddLetter(candidates, text, m, strictCase: true);
        }

        foreach ((int index, string content) in LatexText.FindCommandArguments(text, "\\boxed"))
        {
            string inner = LatexText.ReplaceCommandGroups(content, ["\\text", "\\textbf", "\\mathrm", "\\mathbf"], keepContent: true).Trim();
            Match m = BoxedLetter().Match(inner);
            if (m.Success && (inner.Length <= 3 || char.IsUpper(m.Groups["letter"].Value[0])))
            {
                candidates.Add((index, m.Groups["letter"].Value[0]));
            }
        }

        foreach ((int _, char letter) in candidates.OrderByDescending(c => c.Index))
        {
            char upper = char.ToUpperInvariant(letter);
            if (InRange(upper, choiceCount))
            {
                return upper.ToString();
            }
        }

        string? last = LastNonEmptyLine(text);
        if (last is not null)
        {
            Match lone = LoneLetterLine().Match(last);
            if (lone.Success)
            {
                char upper = char.ToUpperInvariant(lone.Groups["letter"].Value[0]);
                if (InRange(upper, choiceCount))
                {
                    return upper.ToString();
                }
            }
        }

        return null;
    }

    private static void AddLetter(List<(int Index, char Letter)> candidates, string text, Match m, bool strictCase)
    {
        Group group = m.Groups["letter"];
        char letter = group.Value[0];
        int after = group.Index + group.Length;
        string rest = RestOfLine(text, after);
        if (char.IsLower(letter))
        {
            // A lower-case letter is only an answer when nothing but closing punctuation follows it ("answer: b").
            if (strictCase || !ClosingOnly().IsMatch(rest))
            {
                return;
            }
        }
        else if (letter == 'I' && PronounContinuation().IsMatch(rest))
        {
            // "Answer: I think ..." is a sentence, not option I.
            return;
        }

        candidates.Add((m.Index, letter));
    }

    private static string? ExtractMath(string text)
    {
        var boxes = LatexText.FindCommandArguments(text, "\\boxed");
        for (int i = boxes.Count - 1; i >= 0; i--)
        {
            string content = boxes[i].Content.Trim();
            if (content.Length > 0)
            {
                return content;
            }
        }

        string? stated = LastStatedAnswer(text, trimForMath: true);
        if (stated is not null)
        {
            return stated;
        }

        Match? number = null;
        foreach (Match m in Number().Matches(text))
        {
            number = m;
        }

        return number?.Value.Replace(",", "", StringComparison.Ordinal);
    }

    private static string? ExtractFreeText(string text) =>
        LastStatedAnswer(text, trimForMath: false) ?? CleanLine(LastNonEmptyLine(text));

    /// <summary>The answer after the last "Answer:" or "the answer is"; when the line ends there, the next non-empty line.</summary>
    private static string? LastStatedAnswer(string text, bool trimForMath)
    {
        Match? last = null;
        foreach (Match m in StatedAnswer().Matches(text))
        {
            last = m;
        }

        if (last is null)
        {
            return null;
        }

        string value = last.Groups["value"].Value.Trim();
        if (value.Length == 0)
        {
            value = LastNonEmptyLine(text[(last.Index + last.Length)..], first: true) ?? "";
        }

        value = trimForMath ? TrimMathStatement(value) : CleanLine(value) ?? "";
        return value.Length == 0 ? null : value;
    }

    private static string TrimMathStatement(string value)
    {
        value = value.Trim().Trim('*').Trim();
        if (value.StartsWith('$'))
        {
            int end = value.IndexOf('$', value.StartsWith("$$", StringComparison.Ordinal) ? 2 : 1);
            return end > 0 ? value[..end].Trim('$').Trim() : value.Trim('$').Trim();
        }

        Match cut = MathStatementEnd().Match(value);
        if (cut.Success)
        {
            value = value[..cut.Index];
        }

        return value.Trim().TrimEnd('.').Trim();
    }

    private static string? CleanLine(string? line)
    {
        if (line is null)
        {
            return null;
        }

        string cleaned = line.Trim().Trim('*', '_', '`').Trim();
        if (cleaned.StartsWith('$') && cleaned.EndsWith('$') && cleaned.Length > 1)
        {
            cleaned = cleaned.Trim('$').Trim();
        }

        return cleaned.Length == 0 ? null : cleaned;
    }

    private static string? LastNonEmptyLine(string text, bool first = false)
    {
        IEnumerable<string> lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0);
        return first ? lines.FirstOrDefault() : lines.LastOrDefault();
    }

    private static string RestOfLine(string text, int index)
    {
        int end = text.IndexOf('\n', index);
        return end < 0 ? text[index..] : text[index..end];
    }

    private static bool InRange(char upper, int choiceCount) =>
        upper is >= 'A' and <= 'Z' && (choiceCount <= 0 || upper - 'A' < choiceCount);

    // "Answer: B", "**Answer:** (B)", "Final answer: option B", "Correct choice: B".
    [GeneratedRegex(@"(?i:answer|option|choice)\s*(?:\*\*|__)?\s*[:\uff1a]\s*(?:\*\*|__)?\s*(?i:(?:option|choice)\s*)?[\(\[]?\s*(?<letter>[A-Za-z])(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex AnswerColonLetter();

    // "the answer is (B)", "The correct option is B", "answer is: **C**".
    [GeneratedRegex(@"(?i:answer|option|choice)\s+(?i:is|would\s+be|should\s+be|must\s+be)\s*:?\s*(?:\*\*|__)?\s*(?i:(?:option|choice)\s*)?[\(\[]?(?<letter>[A-Z])(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex AnswerIsLetter();

    [GeneratedRegex(@"^[\(\[]?\s*(?<letter>[A-Za-z])\s*(?:[\)\]\.:]|\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex BoxedLetter();

    [GeneratedRegex(@"^[\s\*_\(\[]*(?<letter>[A-Za-z])[\s\*_\)\]\.:]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LoneLetterLine();

    [GeneratedRegex(@"^[\s\)\]\.\*_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ClosingOnly();

    [GeneratedRegex(@"^\s+[a-z']", RegexOptions.CultureInvariant)]
    private static partial Regex PronounContinuation();

    // "Answer: 42", "**Final Answer:** 42", "The answer is $\frac{1}{2}$." (value runs to the end of the line).
    [GeneratedRegex(@"(?i:answer)(?:\s*(?:\*\*|__))?\s*(?:[:\uff1a]|\s(?i:is)\b(?!['\u2019])\s*:?)[ \t]*(?:\*\*|__)?(?<value>[^\n]*)", RegexOptions.CultureInvariant)]
    private static partial Regex StatedAnswer();

    [GeneratedRegex(@"[,;]\s|\s(?:because|since|which|as|so|and|for)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex MathStatementEnd();

    [GeneratedRegex(@"(?<![\w.])(?:-(?=\d))?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex Number();
}
