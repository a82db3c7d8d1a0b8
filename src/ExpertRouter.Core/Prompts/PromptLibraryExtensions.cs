using System.Globalization;
using System.Text;
using ExpertRouter.Core.Validation;

namespace ExpertRouter.Core.Prompts;

/// <summary>Typed helpers that render the shipped templates (<see cref="PromptNames"/>) with the right values.</summary>
public static class PromptLibraryExtensions
{
    public static string RenderKeywordAnnotation(this PromptLibrary prompts, string question) =>
        Render(prompts, PromptNames.KeywordAnnotation, ("question", question));

    public static string RenderTaskInstruction(this PromptLibrary prompts, string question) =>
        Render(prompts, PromptNames.TaskInstruction, ("question", question));

    /// <summary>The answering prompt for <paramref name="kind"/>; <paramref name="choices"/> are required for multiple choice.</summary>
    public static string RenderAnswer(this PromptLibrary prompts, string question, IReadOnlyList<string>? choices, AnswerKind kind)
    {
        if (kind != AnswerKind.MultipleChoice)
        {
            return Render(prompts, PromptNames.AnswerFor(kind), ("question", question));
        }

        if (choices is not { Count: > 0 })
        {
            throw new ArgumentException("A multiple-choice prompt needs choices.", nameof(choices));
        }

        return Render(prompts, PromptNames.AnswerMultipleChoice,
            ("question", question), ("choices", ValidationSetParser.FormatChoices(choices)));
    }

    /// <summary>
    /// The aggregator prompt: the question (with its lettered choices, if any), the candidates formatted by
    /// <see cref="FormatCandidates"/> and the format instruction for <paramref name="kind"/>.
    /// </summary>
    public static string RenderAggregate(this PromptLibrary prompts, string question, IReadOnlyList<string>? choices, AnswerKind kind, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(question);
        string fullQuestion = choices is { Count: > 0 }
            ? question + "\n\n" + ValidationSetParser.FormatChoices(choices)
            : question;
        string format = prompts.Get(PromptNames.FormatInstructionFor(kind)).Render(new Dictionary<string, string>());
        return Render(prompts, PromptNames.Aggregate,
            ("question", fullQuestion), ("candidates", FormatCandidates(candidates)), ("format_instruction", format));
    }

    /// <summary>
    /// Numbers candidate responses ("Response 1:", ...), separated by blank lines, each cut to the text after its
    /// last <c>&lt;/think&gt;</c> when <paramref name="stripReasoning"/> is true.
    /// </summary>
    public static string FormatCandidates(IReadOnlyList<string> candidates, bool stripReasoning = true)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var builder = new StringBuilder();
        for (int i = 0; i < candidates.Count; i++)
        {
            string text = stripReasoning ? AnswerExtractor.StripReasoning(candidates[i]) : candidates[i];
            if (i > 0)
            {
                builder.Append("\n\n");
            }

            builder.Append(CultureInfo.InvariantCulture, $"Response {i + 1}:\n").Append(text.Trim());
        }

        return builder.ToString();
    }

    private static string Render(PromptLibrary prompts, string name, params (string Key, string Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var dictionary = new Dictionary<string, string>(values.Length, StringComparer.Ordinal);
        foreach ((string key, string value) in values)
        {
            ArgumentNullException.ThrowIfNull(value, key);
            dictionary[key] = value;
        }

        return prompts.Render(name, dictionary);
    }
}
