using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ExpertRouter.Core.Skills;

/// <summary>
/// Reads one taxonomy file strictly: every problem (bad YAML, wrong shape, unknown or missing key, empty
/// value, malformed id) becomes an <see cref="InvalidDataException"/> that names the file and the line.
/// </summary>
internal static partial class SkillFileReader
{
    private static readonly string[] FileKeys = ["domain", "description", "skills"];
    private static readonly string[] SkillKeys = ["id", "name", "description", "aliases"];

    public static SkillFile Read(string path)
    {
        string text = File.ReadAllText(path);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw Error(path, ex.Start, $"invalid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count != 1)
        {
            throw Error(path, 1, stream.Documents.Count == 0
                ? "the file is empty"
                : "expected a single YAML document");
        }

        YamlMappingNode root = Expect<YamlMappingNode>(path, stream.Documents[0].RootNode, "the file", "a mapping");
        Dictionary<string, YamlNode> fields = ReadMapping(path, root, FileKeys, "the file");

        YamlScalarNode domainNode = RequireScalar(path, root, fields, "domain");
        string domain = domainNode.Value!.Trim();
        if (!KebabCase().IsMatch(domain))
        {
            throw Error(path, domainNode.Start, $"domain '{domain}' must be kebab-case (lower-case letters, digits and single hyphens)");
        }

        string description = RequireScalar(path, root, fields, "description").Value!.Trim();

        if (!fields.TryGetValue("skills", out YamlNode? skillsNode))
        {
            throw Error(path, root.Start, "missing key 'skills'");
        }

        YamlSequenceNode sequence = Expect<YamlSequenceNode>(path, skillsNode, "'skills'", "a list");
        if (sequence.Children.Count == 0)
        {
            throw Error(path, sequence.Start, "'skills' is empty");
        }

        var skills = new List<SkillDefinition>(sequence.Children.Count);
        var lines = new List<int>(sequence.Children.Count);
        foreach (YamlNode node in sequence.Children)
        {
            skills.Add(ReadSkill(path, node, domain));
            lines.Add(LineOf(node.Start));
        }

        var result = new SkillDomain { Name = domain, Description = description, Skills = skills, SourcePath = path };
        return new SkillFile(result, LineOf(domainNode.Start), lines);
    }

    private static SkillDefinition ReadSkill(string path, YamlNode node, string domain)
    {
        YamlMappingNode mapping = Expect<YamlMappingNode>(path, node, "a skill", "a mapping with id, name, description and aliases");
        Dictionary<string, YamlNode> fields = ReadMapping(path, mapping, SkillKeys, "a skill");

        YamlScalarNode idNode = RequireScalar(path, mapping, fields, "id");
        string id = idNode.Value!.Trim();
        if (!KebabCase().IsMatch(id))
        {
            throw Error(path, idNode.Start, $"skill id '{id}' must be kebab-case (lower-case letters, digits and single hyphens)");
        }

        string name = RequireScalar(path, mapping, fields, "name").Value!.Trim();
        string description = RequireScalar(path, mapping, fields, "description").Value!.Trim();

        if (!fields.TryGetValue("aliases", out YamlNode? aliasesNode))
        {
            throw Error(path, mapping.Start, $"skill '{id}': missing key 'aliases'");
        }

        YamlSequenceNode aliasList = Expect<YamlSequenceNode>(path, aliasesNode, $"skill '{id}': 'aliases'", "a list");
        if (aliasList.Children.Count == 0)
        {
            throw Error(path, aliasList.Start, $"skill '{id}': 'aliases' is empty");
        }

        var aliases = new List<string>(aliasList.Children.Count);
        foreach (YamlNode aliasNode in aliasList.Children)
        {
            YamlScalarNode scalar = Expect<YamlScalarNode>(path, aliasNode, $"skill '{id}': an alias", "a string");
            string alias = NormalizeAlias(scalar.Value);
            if (alias.Length == 0)
            {
                throw Error(path, scalar.Start, $"skill '{id}': an alias is empty");
            }

            if (!aliases.Contains(alias, StringComparer.Ordinal))
            {
                aliases.Add(alias);
            }
        }

        return new SkillDefinition { Id = id, Name = name, Description = description, Aliases = aliases, Domain = domain };
    }

    private static Dictionary<string, YamlNode> ReadMapping(string path, YamlMappingNode mapping, string[] allowed, string what)
    {
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach ((YamlNode keyNode, YamlNode value) in mapping.Children)
        {
            string key = keyNode is YamlScalarNode { Value: { } k } ? k : "";
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                throw Error(path, keyNode.Start,
                    $"unknown key '{key}' in {what} (allowed: {string.Join(", ", allowed)})");
            }

            if (!fields.TryAdd(key, value))
            {
                throw Error(path, keyNode.Start, $"duplicate key '{key}' in {what}");
            }
        }

        return fields;
    }

    private static YamlScalarNode RequireScalar(string path, YamlMappingNode owner, Dictionary<string, YamlNode> fields, string key)
    {
        if (!fields.TryGetValue(key, out YamlNode? node))
        {
            throw Error(path, owner.Start, $"missing key '{key}'");
        }

        YamlScalarNode scalar = Expect<YamlScalarNode>(path, node, $"'{key}'", "a string");
        if (string.IsNullOrWhiteSpace(scalar.Value))
        {
            throw Error(path, scalar.Start, $"'{key}' is empty");
        }

        return scalar;
    }

    private static T Expect<T>(string path, YamlNode node, string what, string expected)
        where T : YamlNode
    {
        if (node is T typed)
        {
            // An empty scalar (`key:` with nothing after it) parses as a null scalar; callers report it as empty.
            return typed;
        }

        throw Error(path, node.Start, $"{what} must be {expected}");
    }

    /// <summary>Lower-case, trimmed, inner whitespace collapsed: the form keyword models produce.</summary>
    internal static string NormalizeAlias(string? alias) =>
        string.Join(' ', (alias ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

    private static int LineOf(Mark mark) => (int)Math.Clamp(mark.Line, 1, int.MaxValue);

    private static InvalidDataException Error(string path, Mark mark, string message, Exception? inner = null) =>
        Error(path, LineOf(mark), message, inner);

    internal static InvalidDataException Error(string path, int line, string message, Exception? inner = null) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}, line {line}: {message}"), inner);

    [GeneratedRegex("^[a-z0-9]+(?:-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex KebabCase();
}
