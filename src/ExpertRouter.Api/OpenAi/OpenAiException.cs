namespace ExpertRouter.Api.OpenAi;

/// <summary>A request error with everything OpenAI's error envelope needs.</summary>
public sealed class OpenAiException : Exception
{
    public OpenAiException() { }

    public OpenAiException(string message) : base(message) { }

    public OpenAiException(string message, Exception innerException) : base(message, innerException) { }

    public OpenAiException(int status, string message, string? param = null, string? code = null, string? type = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        Param = param;
        Code = code;
        Type = type ?? ErrorMapper.TypeFor(status);
    }

    public int Status { get; } = StatusCodes.Status400BadRequest;

    public string? Param { get; }

    public string? Code { get; }

    public string Type { get; } = "invalid_request_error";

    public static OpenAiException Invalid(string message, string? param, string code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, message, param, code);
}
