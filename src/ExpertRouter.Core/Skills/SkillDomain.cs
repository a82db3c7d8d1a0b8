namespace ExpertRouter.Core.Skills;

/// <summary>A group of skills, usually one file of the taxonomy (for example <c>mathematics</c>). Immutable.</summary>
public sealed record SkillDomain
{
    /// <summary>Kebab-case name, unique in a taxonomy.</summary>
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required IReadOnlyList<SkillDefinition> Skills { get; init; }

    /// <summary>The file the domain was read from; null when built in memory.</summary>
    public string? SourcePath { get; init; }
}
