using ExpertRouter.LlamaCpp.Generation;

namespace ExpertRouter.LlamaCpp.Hosting;

/// <summary>A snapshot of one managed model for APIs and metrics.</summary>
public sealed record ModelStatus(
    string Key,
    ModelState State,
    bool Pinned,
    int ActiveLeases,
    long ReservedBytes,
    DateTimeOffset? LastUsed,
    int Loads,
    int Evictions,
    string? Error,
    DecodeLoopStats? Stats)
{
    /// <summary>resident with nobody using it: may be evicted (unless pinned) or unloaded after the idle TTL.</summary>
    public bool Idle => State == ModelState.Resident && ActiveLeases == 0;

    /// <summary>loading / resident / idle / failed / unloaded, as shown to users.</summary>
    public string DisplayState => Idle ? "idle" : State.ToString().ToLowerInvariant();
}
