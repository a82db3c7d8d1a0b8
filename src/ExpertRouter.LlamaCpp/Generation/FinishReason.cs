namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>End-of-generation token or a stop string.</summary>
    Stop,

    /// <summary>Max tokens reached, or the sequence's context is full.</summary>
    Length,

    /// <summary>The caller cancelled.</summary>
    Cancelled,
}
