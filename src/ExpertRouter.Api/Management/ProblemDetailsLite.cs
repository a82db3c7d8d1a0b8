namespace ExpertRouter.Api.Management;

/// <summary>A ProblemDetails body for typed results.</summary>
public sealed record ProblemDetailsLite(string Detail)
{
    public string Title => "Conflict";

    public int Status => StatusCodes.Status409Conflict;
}
