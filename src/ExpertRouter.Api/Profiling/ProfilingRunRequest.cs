using ExpertRouter.Core.Profiling;

namespace ExpertRouter.Api.Profiling;

/// <summary>Body of <c>POST /api/profiling-runs</c>.</summary>
public sealed class ProfilingRunRequest
{
    /// <example>vs-0123456789ab</example>
    public string? ValidationSetId { get; set; }

    /// <summary>The profile (task) this run creates a new version of; routers use the latest version.</summary>
    /// <example>default</example>
    public string? ProfileId { get; set; }

    public ProfilingSettings? Settings { get; set; }
}
