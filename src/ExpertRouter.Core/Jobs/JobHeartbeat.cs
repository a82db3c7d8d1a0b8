namespace ExpertRouter.Core.Jobs;

/// <summary>The answer to a heartbeat: whether the worker still owns the lease, and whether cancellation was asked for.</summary>
public readonly record struct JobHeartbeat(bool Owned, bool CancelRequested);
