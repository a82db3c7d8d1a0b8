namespace ExpertRouter.Core.Aggregation;

/// <summary>How a <see cref="VoteResult"/> was computed.</summary>
public enum VoteMethod
{
    /// <summary>Plain majority: one vote per candidate with an extracted answer.</summary>
    Majority,

    /// <summary>Votes weighted by (N − certainty rank)^power.</summary>
    SelfCertaintyWeighted,

    /// <summary>Self-certainty weighting was asked for but a voter lacked a self-certainty, so plain majority was used.</summary>
    MajorityFallbackNoSelfCertainty,
}
