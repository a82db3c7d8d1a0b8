namespace ExpertRouter.Api.Experts;

/// <summary>A registration or update was refused: 400 (bad field), 409 (conflict) or 422 (the file is not a usable model).</summary>
public sealed class ExpertValidationException : Exception
{
    public ExpertValidationException() { }

    public ExpertValidationException(string message) : base(message) { }

    public ExpertValidationException(string message, Exception innerException) : base(message, innerException) { }

    public ExpertValidationException(string message, string? field, int status = StatusCodes.Status400BadRequest, Exception? innerException = null)
        : base(message, innerException)
    {
        Field = field;
        Status = status;
    }

    public string? Field { get; }

    public int Status { get; } = StatusCodes.Status400BadRequest;
}
