namespace ExpertRouter.Core.Validation;

/// <summary>How an answer is written and therefore how it is extracted and checked.</summary>
public enum AnswerKind
{
    /// <summary>A letter (A, B, ...) naming one of the choices.</summary>
    MultipleChoice,

    /// <summary>A number or short mathematical expression, usually in <c>\boxed{}</c>.</summary>
    Math,

    /// <summary>A short text answer compared after normalisation.</summary>
    FreeText,
}
