namespace ExpertRouter.Core.Validation;

/// <summary>
/// One validation question. <paramref name="Line"/> is the 1-based source line, <paramref name="Id"/> the
/// item's <c>id</c> or <c>item-{line}</c>. For <see cref="AnswerKind.MultipleChoice"/> the gold
/// <paramref name="Answer"/> is always an upper-case letter. <paramref name="Skills"/> are lower-cased
/// keywords given in the file, if any.
/// </summary>
public sealed record ValidationItem(
    int Line,
    string Id,
    string Question,
    IReadOnlyList<string>? Choices,
    string Answer,
    IReadOnlyList<string>? Skills,
    AnswerKind Kind);
