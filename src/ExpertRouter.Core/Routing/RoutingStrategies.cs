namespace ExpertRouter.Core.Routing;

/// <summary>Values of <see cref="RoutingDecision.Strategy"/>.</summary>
public static class RoutingStrategies
{
    /// <summary>k categorical draws, an expert may repeat (the reference).</summary>
    public const string KDrawWithReplacement = "k-draw-with-replacement";

    /// <summary>k categorical draws without replacement.</summary>
    public const string KDrawWithoutReplacement = "k-draw-without-replacement";

    /// <summary>Top-p selection (dynamic number of experts).</summary>
    public const string TopP = "top-p";

    /// <summary>No mapped keyword: k distinct experts uniformly at random.</summary>
    public const string RandomNoKeywords = "random-no-keywords";
}
