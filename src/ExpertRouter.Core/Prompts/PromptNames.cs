using ExpertRouter.Core.Validation;

namespace ExpertRouter.Core.Prompts;

/// <summary>Names of the templates shipped in <c>prompts/</c>, and which one fits each answer kind.</summary>
public static class PromptNames
{
    /// <summary>Lists 2-5 skills a question needs, one per line. Placeholder: <c>question</c>.</summary>
    public const string KeywordAnnotation = "keyword-annotation";

    /// <summary>Step-by-step reasoning ending in <c>Answer: X</c>. Placeholders: <c>question</c>, <c>choices</c>.</summary>
    public const string AnswerMultipleChoice = "answer-multiple-choice";

    /// <summary>Reasoning ending in <c>\boxed{...}</c>. Placeholder: <c>question</c>.</summary>
    public const string AnswerMath = "answer-math";

    /// <summary>Concise answer ending in <c>Answer: ...</c>. Placeholder: <c>question</c>.</summary>
    public const string AnswerFreeText = "answer-free-text";

    /// <summary>Synthesises one answer from candidates. Placeholders: <c>question</c>, <c>candidates</c>, <c>format_instruction</c>.</summary>
    public const string Aggregate = "aggregate";

    /// <summary>One sentence describing the task of a query. Placeholder: <c>question</c>.</summary>
    public const string TaskInstruction = "task-instruction";

    /// <summary>The <c>format_instruction</c> text for multiple choice (no placeholders).</summary>
    public const string FormatMultipleChoice = "format-multiple-choice";

    /// <summary>The <c>format_instruction</c> text for math (no placeholders).</summary>
    public const string FormatMath = "format-math";

    /// <summary>The <c>format_instruction</c> text for free text (no placeholders).</summary>
    public const string FormatFreeText = "format-free-text";

    public static string AnswerFor(AnswerKind kind) => kind switch
    {
        AnswerKind.MultipleChoice => AnswerMultipleChoice,
        AnswerKind.Math => AnswerMath,
        _ => AnswerFreeText,
    };

    public static string FormatInstructionFor(AnswerKind kind) => kind switch
    {
        AnswerKind.MultipleChoice => FormatMultipleChoice,
        AnswerKind.Math => FormatMath,
        _ => FormatFreeText,
    };
}
