namespace ExpertRouter.Core.Experts;

/// <summary>No expert (or virtual model) with that id; HTTP 404.</summary>
public sealed class ExpertNotFoundException : Exception
{
    public ExpertNotFoundException() { }

    public ExpertNotFoundException(string message) : base(message) { }

    public ExpertNotFoundException(string message, Exception innerException) : base(message, innerException) { }

    public static ExpertNotFoundException For(string id) => new($"The model '{id}' does not exist. GET /v1/models lists the available ones.") { ExpertId = id };

    public string? ExpertId { get; private init; }
}
