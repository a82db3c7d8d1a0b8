using System.Text;
using System.Text.RegularExpressions;

namespace ExpertRouter.Core.Validation;

/// <summary>
/// Decides whether an extracted answer matches the gold answer. Both sides go through
/// <see cref="Normalize"/> and are compared as strings:
/// <list type="bullet">
/// <item>Multiple choice: the letter, upper-case (<c>"(b)"</c>, <c>"B."</c>, <c>"Option B"</c> are all <c>"B"</c>).</item>
/// <item>Math: numbers become exact reduced fractions, so <c>1,000 = 1000</c>, <c>0.5 = 1/2 = \frac{1}{2} = \dfrac12</c>,
/// <c>2.0 = 2</c>, <c>+3 = 3</c>, <c>50\% = 50</c>, <c>\$5 = 5</c>, <c>10\text{ cm} = 10</c>, <c>x = 4</c> = <c>4</c>; other
/// expressions are compared after removing delimiters, spacing commands (<c>\,</c> <c>\!</c> <c>\left</c> <c>\right</c>) and whitespace.</item>
/// <item>Free text: lower-case, punctuation and the articles a/an/the removed, whitespace collapsed.</item>
/// </list>
/// Stateless and thread-safe.
/// </summary>
public static partial class AnswerChecker
{
    public static bool IsCorrect(string? extracted, string gold, AnswerKind kind)
    {
        ArgumentNullException.ThrowIfNull(gold);
        if (string.IsNullOrWhiteSpace(extracted))
        {
            return false;
        }

        string normalized = Normalize(extracted, kind);
        return normalized.Length > 0 && string.Equals(normalized, Normalize(gold, kind), StringComparison.Ordinal);
    }

    /// <summary>The canonical form used for comparison (empty for null or blank input).</summary>
    public static string Normalize(string? answer, AnswerKind kind)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return "";
        }

        return kind switch
        {
            AnswerKind.MultipleChoice => NormalizeChoice(answer),
            AnswerKind.Math => MathAnswer.Normalize(answer),
            _ => NormalizeText(answer),
        };
    }

    /// <summary>
    /// True when a gold answer reads as a number or formula (<c>42</c>, <c>-3.5</c>, <c>1/2</c>, <c>\frac{\sqrt{3}}{2}</c>,
    /// <c>2x+1</c>, <c>50%</c>) rather than words; used to infer <see cref="AnswerKind.Math"/>.
    /// </summary>
    public static bool LooksLikeMath(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return MathAnswer.LooksLikeMath(answer);
    }

    private static string NormalizeChoice(string answer)
    {
        string s = answer.Trim();
        var boxes = LatexText.FindCommandArguments(s, "\\boxed");
        if (boxes.Count > 0)
        {
            s = boxes[^1].Content;
        }

        s = LatexText.ReplaceCommandGroups(s, ["\\text", "\\textbf", "\\mathrm", "\\mathbf"], keepContent: true)
            .Replace("$", "", StringComparison.Ordinal)
            .Trim();
        Match letter = ChoiceLetter().Match(s);
        return letter.Success
            ? letter.Groups["letter"].Value.ToUpperInvariant()
            : s.ToUpperInvariant();
    }

    private static string NormalizeText(string answer)
    {
        var builder = new StringBuilder(answer.Length);
        foreach (char c in answer.ToLowerInvariant())
        {
            if (c is '\'' or '\u2019' or '.')
            {
                // Dropped inside words: "don't" = "dont", "u.s." = "us".
                continue;
            }

            builder.Append(char.IsPunctuation(c) || char.IsSymbol(c) ? ' ' : c);
        }

        string[] words = builder.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Where(w => w is not ("a" or "an" or "the")));
    }

    [GeneratedRegex(@"^(?:(?:option|choice)\s*)?[\(\[\*\s]*(?<letter>[A-Za-z])(?:[\)\]\.:\*]|\s|$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ChoiceLetter();
}
