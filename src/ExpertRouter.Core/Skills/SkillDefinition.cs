namespace ExpertRouter.Core.Skills;

/// <summary>
/// One skill of the taxonomy: a stable kebab-case <see cref="Id"/>, a display <see cref="Name"/>, a
/// one-sentence <see cref="Description"/> and lower-case <see cref="Aliases"/> (the words a person or
/// a keyword model would write for it). Immutable.
/// </summary>
public sealed record SkillDefinition
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>Lower-case synonyms and keywords, without duplicates.</summary>
    public required IReadOnlyList<string> Aliases { get; init; }

    /// <summary>The <see cref="SkillDomain.Name"/> this skill belongs to.</summary>
    public required string Domain { get; init; }
}
