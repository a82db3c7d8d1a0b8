namespace ExpertRouter.Core.Skills;

/// <summary>A parsed taxonomy file with the source lines needed to report cross-file conflicts.</summary>
internal sealed record SkillFile(SkillDomain Domain, int DomainLine, IReadOnlyList<int> SkillLines);
