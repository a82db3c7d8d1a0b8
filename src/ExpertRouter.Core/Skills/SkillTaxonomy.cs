using System.Globalization;

namespace ExpertRouter.Core.Skills;

/// <summary>
/// The skill taxonomy: skills grouped into domains, with lookup by id, name or alias. Load it from a
/// folder of YAML files (one per domain, see <c>skills/</c> at the repository root) with
/// <see cref="Load"/>, or build one in memory from <see cref="SkillDomain"/>s. Immutable and safe to
/// share between threads.
/// </summary>
public sealed class SkillTaxonomy
{
    /// <summary>The folder name <see cref="FindDefaultDirectory"/> looks for.</summary>
    public const string DefaultDirectoryName = "skills";

    private readonly Dictionary<string, SkillDefinition> _byTerm;

    /// <summary>Builds a taxonomy from domains; throws <see cref="ArgumentException"/> on a duplicate domain or skill id.</summary>
    public SkillTaxonomy(IEnumerable<SkillDomain> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        var list = domains.ToList();
        var domainNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (SkillDomain domain in list)
        {
            if (!domainNames.Add(domain.Name))
            {
                throw new ArgumentException($"Duplicate domain '{domain.Name}'.", nameof(domains));
            }

            foreach (SkillDefinition skill in domain.Skills)
            {
                if (!ids.Add(skill.Id))
                {
                    throw new ArgumentException($"Duplicate skill id '{skill.Id}'.", nameof(domains));
                }
            }
        }

        Domains = list;
        Skills = [.. list.SelectMany(d => d.Skills)];

        // Precedence: an id always finds its own skill, then names, then aliases (first file wins).
        _byTerm = new Dictionary<string, SkillDefinition>(StringComparer.Ordinal);
        foreach (SkillDefinition skill in Skills)
        {
            _byTerm.TryAdd(skill.Id.ToLowerInvariant(), skill);
        }

        foreach (SkillDefinition skill in Skills)
        {
            _byTerm.TryAdd(NormalizeTerm(skill.Id.Replace('-', ' ')), skill);
            _byTerm.TryAdd(NormalizeTerm(skill.Name), skill);
        }

        foreach (SkillDefinition skill in Skills)
        {
            foreach (string alias in skill.Aliases)
            {
                _byTerm.TryAdd(NormalizeTerm(alias), skill);
            }
        }

        AllTerms = [.. Skills
            .SelectMany(s => s.Aliases.Prepend(s.Name))
            .Select(NormalizeTerm)
            .Where(t => t.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<SkillDomain> Domains { get; }

    /// <summary>Every skill, in file order (files sorted by name).</summary>
    public IReadOnlyList<SkillDefinition> Skills { get; }

    /// <summary>Every skill name and alias, lower-case, distinct, sorted: the vocabulary to embed or match keywords against.</summary>
    public IReadOnlyList<string> AllTerms { get; }

    /// <summary>
    /// The skill whose id, name or alias equals <paramref name="idOrAlias"/>, ignoring case, surrounding
    /// whitespace, a trailing dot, and hyphens or underscores written for spaces; null when none does.
    /// </summary>
    public SkillDefinition? Find(string idOrAlias)
    {
        ArgumentNullException.ThrowIfNull(idOrAlias);
        string term = NormalizeTerm(idOrAlias);
        if (term.Length == 0)
        {
            return null;
        }

        if (_byTerm.TryGetValue(term, out SkillDefinition? skill))
        {
            return skill;
        }

        string spaced = NormalizeTerm(term.Replace('-', ' ').Replace('_', ' '));
        return _byTerm.GetValueOrDefault(spaced);
    }

    /// <summary>
    /// Reads every <c>*.yaml</c> / <c>*.yml</c> file of <paramref name="directory"/> (sorted by file name).
    /// Throws <see cref="DirectoryNotFoundException"/> when the folder is missing and
    /// <see cref="InvalidDataException"/>, naming the file and line, on any malformed or conflicting entry.
    /// </summary>
    public static SkillTaxonomy Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Skill directory '{directory}' does not exist.");
        }

        string[] files = [.. Directory.EnumerateFiles(directory, "*.yaml")
            .Concat(Directory.EnumerateFiles(directory, "*.yml"))
            .Order(StringComparer.Ordinal)];
        if (files.Length == 0)
        {
            throw new InvalidDataException($"Skill directory '{directory}' contains no *.yaml files.");
        }

        var domains = new List<SkillDomain>(files.Length);
        var domainSeen = new Dictionary<string, (string Path, int Line)>(StringComparer.OrdinalIgnoreCase);
        var idSeen = new Dictionary<string, (string Path, int Line)>(StringComparer.OrdinalIgnoreCase);
        foreach (string file in files)
        {
            SkillFile parsed = SkillFileReader.Read(file);
            if (domainSeen.TryGetValue(parsed.Domain.Name, out var firstDomain))
            {
                throw SkillFileReader.Error(file, parsed.DomainLine,
                    $"duplicate domain '{parsed.Domain.Name}' (first defined in {firstDomain.Path}, line {firstDomain.Line.ToString(CultureInfo.InvariantCulture)})");
            }

            domainSeen.Add(parsed.Domain.Name, (file, parsed.DomainLine));
            for (int i = 0; i < parsed.Domain.Skills.Count; i++)
            {
                string id = parsed.Domain.Skills[i].Id;
                int line = parsed.SkillLines[i];
                if (idSeen.TryGetValue(id, out var first))
                {
                    throw SkillFileReader.Error(file, line,
                        $"duplicate skill id '{id}' (first defined in {first.Path}, line {first.Line.ToString(CultureInfo.InvariantCulture)})");
                }

                idSeen.Add(id, (file, line));
            }

            domains.Add(parsed.Domain);
        }

        return new SkillTaxonomy(domains);
    }

    /// <summary>
    /// The nearest <c>skills</c> folder holding <c>*.yaml</c> files, searching upwards from
    /// <see cref="AppContext.BaseDirectory"/> and then from the current directory; null when there is none.
    /// </summary>
    public static string? FindDefaultDirectory() => DataDirectoryLocator.Find(DefaultDirectoryName, "*.yaml");

    /// <summary>Loads the folder found by <see cref="FindDefaultDirectory"/>; throws <see cref="DirectoryNotFoundException"/> when there is none.</summary>
    public static SkillTaxonomy LoadDefault() =>
        Load(FindDefaultDirectory() ?? throw new DirectoryNotFoundException(
            $"No '{DefaultDirectoryName}' folder with *.yaml files was found above '{AppContext.BaseDirectory}' or the current directory."));

    private static string NormalizeTerm(string term)
    {
        string normalized = SkillFileReader.NormalizeAlias(term);
        return normalized.TrimEnd('.').TrimEnd();
    }
}
