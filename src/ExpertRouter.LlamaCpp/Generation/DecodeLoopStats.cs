namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// Counters of one model's decode loop (monotonic since load). <see cref="SharedSteps"/> counts
/// decode steps that advanced more than one sequence: proof that concurrent requests were batched.
/// </summary>
public sealed record DecodeLoopStats(
    long Steps,
    long SharedSteps,
    long GeneratedTokens,
    long PromptTokens,
    int MaxSequencesInStep,
    long SequencesStarted,
    long SequencesCompleted,
    int ActiveSequences,
    int QueuedRequests);
