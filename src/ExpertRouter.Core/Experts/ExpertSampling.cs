namespace ExpertRouter.Core.Experts;

/// <summary>An expert's default sampling; a request's own values win. Null = engine default.</summary>
public sealed record ExpertSampling
{
    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public int? TopK { get; init; }

    public float? MinP { get; init; }

    public float? RepetitionPenalty { get; init; }

    public int? MaxTokens { get; init; }
}
