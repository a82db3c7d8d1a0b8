namespace ExpertRouter.Core.Profiling;

/// <summary>State of a profiling run.</summary>
public enum ProfilingStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}
