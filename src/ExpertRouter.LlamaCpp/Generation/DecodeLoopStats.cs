namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// Counters of one model's decode loop (monotonic since load). <see cref="SharedSteps"/> counts
/// decode steps that advanced more than one sequence: proof that concurrent requests were batched.
/// <see cref="DecodeTime"/> is time inside llama_decode for generation steps; <see cref="SamplingTime"/>
/// the engine's own per-step work after it (sampling, statistics, streaming). <see cref="PrefillTime"/> is time inside
/// llama_decode for prompts, in <see cref="PrefillCalls"/> calls: prompts admitted together share calls.
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
    int QueuedRequests,
    TimeSpan DecodeTime,
    TimeSpan SamplingTime,
    long PrefillCalls,
    TimeSpan PrefillTime);
