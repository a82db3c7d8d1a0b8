using System.Globalization;
using System.Text.RegularExpressions;
using ExpertRouter.Core.Validation;

namespace ExpertRouter.Testing;

/// <summary>
/// A generated multi-skill multiple-choice world for routing simulations: every question carries a tag
/// <c>[Q17]</c> so scripted experts know which question a prompt is about, its gold letter and its skills.
/// Deterministic from a seed.
/// </summary>
public sealed partial class ScriptedWorld
{
    public static readonly string[] DefaultSkills = ["algebra", "organic chemistry", "genetics", "contract law", "macroeconomics", "cardiology"];

    private static readonly Dictionary<string, string[]> Vocabulary = new()
    {
        ["algebra"] = ["polynomial", "equation", "variable", "quadratic", "factor", "root"],
        ["organic chemistry"] = ["alkene", "benzene", "reaction", "carbon", "ester", "isomer"],
        ["genetics"] = ["allele", "chromosome", "mutation", "gene", "inheritance", "dna"],
        ["contract law"] = ["contract", "breach", "offer", "consideration", "damages", "clause"],
        ["macroeconomics"] = ["inflation", "gdp", "monetary", "unemployment", "fiscal", "interest"],
        ["cardiology"] = ["heart", "arrhythmia", "cardiac", "valve", "artery", "ecg"],
    };

    private readonly Dictionary<int, ScriptedQuestion> _byId;

    private ScriptedWorld(IReadOnlyList<ScriptedQuestion> questions, IReadOnlyList<string> skills)
    {
        Questions = questions;
        Skills = skills;
        _byId = questions.ToDictionary(q => q.Number);
    }

    public IReadOnlyList<ScriptedQuestion> Questions { get; }

    public IReadOnlyList<string> Skills { get; }

    /// <summary>Creates <paramref name="count"/> questions, every skill equally often as the main one; about a quarter need a second skill.</summary>
    public static ScriptedWorld Create(int count, int seed, IReadOnlyList<string>? skills = null)
    {
        skills ??= DefaultSkills;
        var rng = new Random(seed);
        var questions = new List<ScriptedQuestion>(count);
        for (var n = 0; n < count; n++)
        {
            var primary = skills[n % skills.Count];
            var qs = new List<string> { primary };
            if (rng.NextDouble() < 0.25)
            {
                var second = skills[rng.Next(skills.Count)];
                if (second != primary)
                {
                    qs.Add(second);
                }
            }

            var words = qs.SelectMany(s => Vocabulary.TryGetValue(s, out var v) ? v.OrderBy(_ => rng.Next()).Take(3) : [s]).ToList();
            var text = $"[Q{n}] Consider the {string.Join(", ", words)}. Which statement about {string.Join(" and ", qs)} is correct?";
            var choices = Enumerable.Range(0, 4).Select(i => $"statement {i + 1} about {words[i % words.Count]}").ToList();
            var gold = (char)('A' + rng.Next(4));
            questions.Add(new ScriptedQuestion(n, text, choices, gold.ToString(), qs));
        }

        return new ScriptedWorld(questions, skills);
    }

    /// <summary>The question a prompt is about (by its tag), or null.</summary>
    public ScriptedQuestion? Find(string prompt)
    {
        var m = Tag().Match(prompt);
        return m.Success && _byId.TryGetValue(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), out var q) ? q : null;
    }

    /// <summary>The questions as validation items (optionally without their skills, so the keyword model annotates).</summary>
    public static IReadOnlyList<ValidationItem> ToValidationItems(IEnumerable<ScriptedQuestion> questions, bool withSkills) =>
        [.. questions.Select((q, i) => new ValidationItem(i + 1, "q" + q.Number, q.Text, q.Choices, q.Gold, withSkills ? q.Skills : null, AnswerKind.MultipleChoice))];

    /// <summary>The chat prompt a user would send for a question (question plus lettered choices).</summary>
    public static string UserPrompt(ScriptedQuestion q) => q.Text + "\n" + ValidationSetParser.FormatChoices(q.Choices);

    [GeneratedRegex(@"\[Q(\d+)\]")]
    private static partial Regex Tag();
}

/// <summary>A generated question.</summary>
public sealed record ScriptedQuestion(int Number, string Text, IReadOnlyList<string> Choices, string Gold, IReadOnlyList<string> Skills);
