using ExpertRouter.Core.Experts;
using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.Api.Hosting;

/// <summary>
/// Small generated GGUF experts for a fresh machine without real weights: random-weight llama
/// models with a working tokenizer and chat template. They answer gibberish, but every code path
/// (loading, batching, streaming, routing) is real.
/// </summary>
public static class DemoExperts
{
    private static readonly (string Id, string Name, ulong Seed, string Description, string[] Tags)[] Specs =
    [
        ("demo-general", "Demo generalist", 101, "Generated demo model: a generalist for everyday questions, writing and humanities.", ["demo", "general"]),
        ("demo-math", "Demo math expert", 202, "Generated demo model: pretend strong at algebra, calculus and competition math.", ["demo", "math"]),
        ("demo-medicine", "Demo medicine expert", 303, "Generated demo model: pretend strong at biology, medicine and clinical questions.", ["demo", "medicine"]),
    ];

    /// <summary>Generates the files (once, cached by spec) into <paramref name="directory"/> and returns their definitions.</summary>
    public static IReadOnlyList<ExpertDefinition> Create(string directory)
    {
        Directory.CreateDirectory(directory);
        return [.. Specs.Select(s =>
        {
            var spec = TestModelSpec.Tiny with { Name = s.Id, Seed = s.Seed, FileType = GgmlType.Q8_0 };
            var path = TestModelGenerator.EnsureGenerated(spec, directory);
            return new ExpertDefinition
            {
                Id = s.Id,
                DisplayName = s.Name,
                Kind = ExpertKind.Gguf,
                Path = path,
                Description = s.Description,
                Tags = s.Tags,
                Source = ExpertSource.Demo,
                ContextSize = 1024,
            };
        })];
    }
}
