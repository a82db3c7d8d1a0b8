namespace ExpertRouter.Core.Validation;

/// <summary>The good items of a validation file and one error per rejected line.</summary>
public sealed record ValidationParseResult(IReadOnlyList<ValidationItem> Items, IReadOnlyList<ValidationLineError> Errors);
