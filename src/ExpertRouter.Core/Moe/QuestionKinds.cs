using System.Text.RegularExpressions;
using ExpertRouter.Core.Validation;

namespace ExpertRouter.Core.Moe;

/// <summary>Guesses how to extract a comparable answer from an open query (for voting and consensus).</summary>
public static partial class QuestionKinds
{
    public static (AnswerKind Kind, int Choices) Infer(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var choices = ChoiceLine().Count(question);
        if (choices >= 2)
        {
            return (AnswerKind.MultipleChoice, choices);
        }

        return MathHint().IsMatch(question) ? (AnswerKind.Math, 0) : (AnswerKind.FreeText, 0);
    }

    [GeneratedRegex(@"^\s*\(?[A-J][\.\)]\s+\S", RegexOptions.Multiline)]
    private static partial Regex ChoiceLine();

    [GeneratedRegex(@"(\d\s*[\+\-\*/\^=]\s*\d)|\\frac|\\sqrt|\b(compute|calculate|solve|evaluate|how many|find the value)\b", RegexOptions.IgnoreCase)]
    private static partial Regex MathHint();
}
