namespace ExpertRouter.Core.Profiling;

/// <summary>The steps of a profiling run, in order.</summary>
public enum ProfilingPhase
{
    Queued,
    Annotating,
    Answering,
    AggregatorBenchmark,
    BuildingProfiles,
    Done,
}
