namespace ExpertRouter.Core.Validation;

/// <summary>Why one line of a validation file was skipped (1-based <paramref name="Line"/>).</summary>
public sealed record ValidationLineError(int Line, string Message);
