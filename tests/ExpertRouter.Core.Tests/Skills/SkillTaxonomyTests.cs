using System.Text.RegularExpressions;
using ExpertRouter.Core.Skills;
using ExpertRouter.Testing;

namespace ExpertRouter.Core.Tests.Skills;

public sealed partial class SkillTaxonomyTests
{
    private static readonly string[] ExpectedDomains =
    [
        "mathematics", "physics", "chemistry", "biology", "medicine", "law", "economics", "business",
        "computer-science", "engineering", "psychology", "philosophy", "history", "humanities", "general",
    ];

    private static SkillTaxonomy Shipped() => SkillTaxonomy.Load(ShippedDirectory());

    private static string ShippedDirectory() =>
        SkillTaxonomy.FindDefaultDirectory() ?? throw new InvalidOperationException("The skills folder was not found.");

    [Fact]
    public void FindDefaultDirectory_FindsTheRepositorySkillsFolder()
    {
        string directory = ShippedDirectory();

        Assert.Equal("skills", Path.GetFileName(directory));
        Assert.NotEmpty(Directory.GetFiles(directory, "*.yaml"));
    }

    [Fact]
    public void Shipped_Loads_WithEveryExpectedDomain()
    {
        SkillTaxonomy taxonomy = SkillTaxonomy.LoadDefault();

        Assert.Equal(ExpectedDomains.Order(), taxonomy.Domains.Select(d => d.Name).Order());
        Assert.All(taxonomy.Domains, d => Assert.True(d.Skills.Count >= 5, $"{d.Name} has only {d.Skills.Count} skills"));
        Assert.InRange(taxonomy.Skills.Count, 150, 260);
    }

    [Fact]
    public void Shipped_HasTheMathematicsAndMedicineSubfieldsTheBenchmarksNeed()
    {
        SkillTaxonomy taxonomy = Shipped();
        string[] needed =
        [
            "algebra", "number-theory", "combinatorics", "probability", "statistics", "geometry", "trigonometry",
            "calculus", "linear-algebra", "differential-equations", "discrete-mathematics",
            "organic-chemistry", "inorganic-chemistry", "physical-chemistry", "analytical-chemistry", "biochemistry",
            "anatomy", "physiology", "pharmacology", "pathology", "microbiology", "pediatrics", "surgery", "obstetrics",
        ];

        Assert.All(needed, id => Assert.NotNull(taxonomy.Find(id)));
        Assert.Equal("mathematics", taxonomy.Find("number-theory")!.Domain);
        Assert.Equal("chemistry", taxonomy.Find("biochemistry")!.Domain);
    }

    [Fact]
    public void Shipped_IdsAreUniqueAndKebabCase()
    {
        SkillTaxonomy taxonomy = Shipped();

        Assert.Equal(taxonomy.Skills.Count, taxonomy.Skills.Select(s => s.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(taxonomy.Skills, s => Assert.Matches(KebabCase(), s.Id));
    }

    [Fact]
    public void Shipped_EverySkillHasNameDescriptionAndThreeToEightShortAliases()
    {
        Assert.All(Shipped().Skills, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Name));
            Assert.False(string.IsNullOrWhiteSpace(s.Description));
            Assert.EndsWith(".", s.Description, StringComparison.Ordinal);
            Assert.InRange(s.Aliases.Count, 3, 8);
            Assert.All(s.Aliases, a => Assert.True(a.Length <= 20, $"{s.Id}: alias '{a}' is longer than 20 characters"));
        });
    }

    [Fact]
    public void Shipped_AliasesAreWrittenInLowerCaseInTheFiles()
    {
        foreach (string file in Directory.GetFiles(ShippedDirectory(), "*.yaml"))
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                Match aliases = AliasesLine().Match(lines[i]);
                if (aliases.Success)
                {
                    string value = aliases.Groups["list"].Value;
                    Assert.True(!value.Any(char.IsUpper), $"{Path.GetFileName(file)}, line {i + 1}: aliases must be lower-case");
                }
            }
        }
    }

    [Fact]
    public void Shipped_NoTermPointsAtTwoSkills()
    {
        SkillTaxonomy taxonomy = Shipped();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (SkillDefinition skill in taxonomy.Skills)
        {
            foreach (string term in skill.Aliases.Append(skill.Name.ToLowerInvariant()).Append(skill.Id.Replace('-', ' ')).Distinct())
            {
                if (owners.TryGetValue(term, out string? owner) && owner != skill.Id)
                {
                    Assert.Fail($"'{term}' belongs to both {owner} and {skill.Id}");
                }

                owners[term] = skill.Id;
            }
        }
    }

    [Fact]
    public void Find_MatchesIdNameAndAlias_IgnoringCaseSpacingAndTrailingDot()
    {
        SkillTaxonomy taxonomy = Shipped();

        Assert.Equal("number-theory", taxonomy.Find("number-theory")?.Id);
        Assert.Equal("number-theory", taxonomy.Find("Number Theory")?.Id);
        Assert.Equal("number-theory", taxonomy.Find("  MODULAR   arithmetic. ")?.Id);
        Assert.Equal("number-theory", taxonomy.Find("number_theory")?.Id);
        Assert.Equal("pharmacology", taxonomy.Find("Pharmacokinetics")?.Id);
        Assert.Null(taxonomy.Find("basket weaving"));
        Assert.Null(taxonomy.Find("   "));
    }

    [Fact]
    public void AllTerms_AreNamesAndAliasesInLowerCase_Distinct()
    {
        SkillTaxonomy taxonomy = Shipped();

        Assert.Contains("number theory", taxonomy.AllTerms);
        Assert.Contains("modular arithmetic", taxonomy.AllTerms);
        Assert.All(taxonomy.AllTerms, t => Assert.Equal(t.ToLowerInvariant(), t));
        Assert.Equal(taxonomy.AllTerms.Count, taxonomy.AllTerms.Distinct().Count());
    }

    [Fact]
    public void Load_AcceptsAMinimalValidFile_AndLowerCasesAliases()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("a.yaml"), """
            domain: alpha
            description: A test domain.
            skills:
              - id: first-skill
                name: First Skill
                description: The first one.
                aliases: [One, "  Uno  ", one]
            """);

        SkillTaxonomy taxonomy = SkillTaxonomy.Load(dir.Path);

        SkillDefinition skill = Assert.Single(taxonomy.Skills);
        Assert.Equal(["one", "uno"], skill.Aliases);
        Assert.Equal("alpha", skill.Domain);
        Assert.Equal(dir.Combine("a.yaml"), Assert.Single(taxonomy.Domains).SourcePath);
    }

    [Theory]
    [InlineData("unknown key", "domain: a\ndescription: d\nskills:\n  - id: x\n    name: X\n    description: d\n    aliases: [x]\n    colour: red\n", 8, "unknown key 'colour'")]
    [InlineData("unknown top-level key", "domain: a\ndescription: d\nversion: 2\nskills:\n  - id: x\n    name: X\n    description: d\n    aliases: [x]\n", 3, "unknown key 'version'")]
    [InlineData("empty name", "domain: a\ndescription: d\nskills:\n  - id: x\n    name: \"\"\n    description: d\n    aliases: [x]\n", 5, "'name' is empty")]
    [InlineData("missing description", "domain: a\ndescription: d\nskills:\n  - id: x\n    name: X\n    aliases: [x]\n", 4, "missing key 'description'")]
    [InlineData("empty aliases", "domain: a\ndescription: d\nskills:\n  - id: x\n    name: X\n    description: d\n    aliases: []\n", 7, "'aliases' is empty")]
    [InlineData("bad id", "domain: a\ndescription: d\nskills:\n  - id: Not Kebab\n    name: X\n    description: d\n    aliases: [x]\n", 4, "kebab-case")]
    [InlineData("duplicate id in one file", "domain: a\ndescription: d\nskills:\n  - id: x\n    name: X\n    description: d\n    aliases: [x]\n  - id: x\n    name: Y\n    description: d\n    aliases: [y]\n", 8, "duplicate skill id 'x'")]
    [InlineData("aliases not a list", "domain: a\ndescription: d\nskills:\n  - id: x\n    name: X\n    description: d\n    aliases: x\n", 7, "must be a list")]
    [InlineData("broken yaml", "domain: a\ndescription: d\nskills:\n  - id: x\n    name: [unclosed\n", 6, "invalid YAML")]
    [InlineData("empty file", "", 1, "empty")]
    public void Load_RejectsBadFiles_NamingFileAndLine(string because, string yaml, int line, string message)
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("bad.yaml");
        File.WriteAllText(path, yaml);

        var ex = Assert.Throws<InvalidDataException>(() => SkillTaxonomy.Load(dir.Path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"line {line}:", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Contains(message, StringComparison.Ordinal), $"{because}: {ex.Message}");
    }

    [Fact]
    public void Load_RejectsAnIdDuplicatedAcrossFiles_NamingBothPlaces()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("a.yaml"), "domain: a\ndescription: d\nskills:\n  - id: shared\n    name: S\n    description: d\n    aliases: [s]\n");
        File.WriteAllText(dir.Combine("b.yaml"), "domain: b\ndescription: d\nskills:\n  - id: other\n    name: O\n    description: d\n    aliases: [o]\n  - id: shared\n    name: S2\n    description: d\n    aliases: [s2]\n");

        var ex = Assert.Throws<InvalidDataException>(() => SkillTaxonomy.Load(dir.Path));

        Assert.Contains(dir.Combine("b.yaml") + ", line 8", ex.Message, StringComparison.Ordinal);
        Assert.Contains(dir.Combine("a.yaml") + ", line 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RejectsADuplicateDomain()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("a.yaml"), "domain: same\ndescription: d\nskills:\n  - id: one\n    name: O\n    description: d\n    aliases: [o]\n");
        File.WriteAllText(dir.Combine("b.yaml"), "domain: same\ndescription: d\nskills:\n  - id: two\n    name: T\n    description: d\n    aliases: [t]\n");

        var ex = Assert.Throws<InvalidDataException>(() => SkillTaxonomy.Load(dir.Path));

        Assert.Contains("duplicate domain 'same'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThrowsForMissingOrEmptyDirectory()
    {
        using var dir = new TempDirectory();

        Assert.Throws<DirectoryNotFoundException>(() => SkillTaxonomy.Load(dir.Combine("nope")));
        Assert.Throws<InvalidDataException>(() => SkillTaxonomy.Load(dir.Path));
    }

    [Fact]
    public void Constructor_BuildsInMemory_AndIdsWinOverOtherSkillsAliases()
    {
        var domain = new SkillDomain
        {
            Name = "d",
            Description = "d",
            Skills =
            [
                new SkillDefinition { Id = "alpha", Name = "Alpha", Description = "a", Aliases = ["beta"], Domain = "d" },
                new SkillDefinition { Id = "beta", Name = "Beta", Description = "b", Aliases = ["b"], Domain = "d" },
            ],
        };

        var taxonomy = new SkillTaxonomy([domain]);

        Assert.Equal("beta", taxonomy.Find("beta")?.Id);
        Assert.Throws<ArgumentException>(() => new SkillTaxonomy([domain, domain with { Name = "e" }]));
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    [GeneratedRegex(@"^\s*aliases:\s*\[(?<list>.*)\]\s*$")]
    private static partial Regex AliasesLine();
}
