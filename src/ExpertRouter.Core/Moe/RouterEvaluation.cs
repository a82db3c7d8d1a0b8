namespace ExpertRouter.Core.Moe;

/// <summary>One router's numbers on a labelled set, side by side with the others.</summary>
public sealed record RouterEvaluation(
    string Router,
    int Items,
    int Correct,
    double Accuracy,
    double ExpertCallsPerQuery,
    long ModelLoads,
    double RoutingLatencyP50Ms,
    double RoutingLatencyP99Ms,
    int Failures,
    string? FirstError);
