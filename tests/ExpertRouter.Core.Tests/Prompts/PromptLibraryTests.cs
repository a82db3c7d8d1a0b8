using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Validation;
using ExpertRouter.Testing;

namespace ExpertRouter.Core.Tests.Prompts;

public sealed class PromptLibraryTests
{
    private static PromptLibrary Shipped() => PromptLibrary.LoadDefault();

    [Theory]
    [InlineData(PromptNames.KeywordAnnotation, new[] { "question" })]
    [InlineData(PromptNames.AnswerMultipleChoice, new[] { "question", "choices" })]
    [InlineData(PromptNames.AnswerMath, new[] { "question" })]
    [InlineData(PromptNames.AnswerFreeText, new[] { "question" })]
    [InlineData(PromptNames.Aggregate, new[] { "question", "candidates", "format_instruction" })]
    [InlineData(PromptNames.TaskInstruction, new[] { "question" })]
    [InlineData(PromptNames.FormatMultipleChoice, new string[0])]
    [InlineData(PromptNames.FormatMath, new string[0])]
    [InlineData(PromptNames.FormatFreeText, new string[0])]
    public void Shipped_HasEveryTemplate_WithExactlyItsPlaceholders(string name, string[] placeholders)
    {
        PromptTemplate template = Shipped().Get(name);

        Assert.Equal(placeholders.Order(), template.Placeholders.Order());
        Assert.Equal(1, template.Version);
    }

    [Fact]
    public void FindDefaultDirectory_FindsTheRepositoryPromptsFolder()
    {
        string? directory = PromptLibrary.FindDefaultDirectory();

        Assert.NotNull(directory);
        Assert.Equal("prompts", Path.GetFileName(directory));
    }

    [Fact]
    public void Shipped_AnswerFormatsMatchWhatTheExtractorReads()
    {
        PromptLibrary prompts = Shipped();

        Assert.Contains("Answer: X", prompts.Get(PromptNames.AnswerMultipleChoice).Text, StringComparison.Ordinal);
        Assert.Contains("\\boxed{", prompts.Get(PromptNames.AnswerMath).Text, StringComparison.Ordinal);
        Assert.Contains("Answer:", prompts.Get(PromptNames.AnswerFreeText).Text, StringComparison.Ordinal);
        Assert.Contains("20 characters", prompts.Get(PromptNames.KeywordAnnotation).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_InsertsValuesLiterally_WithoutExpandingPlaceholdersInsideValues()
    {
        var template = new PromptTemplate("t", 1, "Q: {{question}}\nC: {{ choices }}");

        string rendered = template.Render(new Dictionary<string, string>
        {
            ["question"] = "What is {{choices}} and \\boxed{x}? $1",
            ["choices"] = "A. yes",
        });

        Assert.Equal("Q: What is {{choices}} and \\boxed{x}? $1\nC: A. yes", rendered);
    }

    [Fact]
    public void Render_ThrowsNamingEveryMissingValue()
    {
        PromptLibrary prompts = Shipped();

        var ex = Assert.Throws<InvalidOperationException>(() =>
            prompts.Render(PromptNames.Aggregate, new Dictionary<string, string> { ["question"] = "q" }));

        Assert.Contains("{{candidates}}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("{{format_instruction}}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("aggregate.v1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IgnoresValuesTheTemplateDoesNotUse()
    {
        string rendered = new PromptTemplate("t", 1, "{{a}}").Render(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });

        Assert.Equal("1", rendered);
    }

    [Fact]
    public void Get_ReturnsTheHighestVersion_AndExactVersionsOnRequest()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("greet.v1.txt"), "Hello {{name}}\r\n");
        File.WriteAllText(dir.Combine("greet.v2.txt"), "Hi {{name}}!\n\n");
        File.WriteAllText(dir.Combine("greet.v10.txt"), "Hey {{name}}");
        File.WriteAllText(dir.Combine("README.md"), "not a prompt");

        PromptLibrary library = PromptLibrary.Load(dir.Path);

        Assert.Equal(10, library.Get("greet").Version);
        Assert.Equal("Hi {{name}}!", library.Get("greet", 2).Text);
        Assert.Equal("Hello Ada", library.Render("greet", 1, new Dictionary<string, string> { ["name"] = "Ada" }));
        Assert.Equal(["greet"], library.Names);
        Assert.Throws<KeyNotFoundException>(() => library.Get("greet", 3));
        Assert.Throws<KeyNotFoundException>(() => library.Get("missing"));
        Assert.False(library.TryGet("missing", out _));
    }

    [Theory]
    [InlineData("greet.txt")]
    [InlineData("Greet.v1.txt")]
    [InlineData("greet.v0.txt")]
    [InlineData("greet.vx.txt")]
    public void Load_RejectsBadFileNames(string fileName)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine(fileName), "text");

        var ex = Assert.Throws<InvalidDataException>(() => PromptLibrary.Load(dir.Path));

        Assert.Contains(fileName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RejectsTheSameVersionTwice()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("greet.v1.txt"), "a");
        File.WriteAllText(dir.Combine("greet.v01.txt"), "b");

        var ex = Assert.Throws<InvalidDataException>(() => PromptLibrary.Load(dir.Path));

        Assert.Contains("duplicate prompt 'greet.v1'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("line one\nQ: {{question}\n", 2)]
    [InlineData("{{ two words }}", 1)]
    [InlineData("a\nb\n{{1x}}", 3)]
    public void Load_RejectsMalformedPlaceholders_NamingTheLine(string text, int line)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("bad.v1.txt"), text);

        var ex = Assert.Throws<InvalidDataException>(() => PromptLibrary.Load(dir.Path));

        Assert.Contains($"bad.v1.txt, line {line}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThrowsForAMissingDirectory()
    {
        using var dir = new TempDirectory();

        Assert.Throws<DirectoryNotFoundException>(() => PromptLibrary.Load(dir.Combine("nope")));
    }

    [Fact]
    public void RenderAnswer_FormatsChoicesAsLetteredLines()
    {
        string prompt = Shipped().RenderAnswer("Which is a noble gas?", ["Oxygen", "Neon", "Iron"], AnswerKind.MultipleChoice);

        Assert.Contains("Which is a noble gas?", prompt, StringComparison.Ordinal);
        Assert.Contains("A. Oxygen\nB. Neon\nC. Iron", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderAggregate_NumbersCandidates_StripsReasoning_AndAddsTheFormatInstruction()
    {
        string prompt = Shipped().RenderAggregate(
            "What is 6 x 7?",
            choices: null,
            AnswerKind.Math,
            ["<think>secret scratch work</think>It is \\boxed{42}", "I get \\boxed{36}"]);

        Assert.Contains("Response 1:\nIt is \\boxed{42}", prompt, StringComparison.Ordinal);
        Assert.Contains("Response 2:\nI get \\boxed{36}", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("secret scratch work", prompt, StringComparison.Ordinal);
        Assert.EndsWith(Shipped().Get(PromptNames.FormatMath).Text, prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderAggregate_ForMultipleChoice_IncludesTheChoicesAndAnswerLineInstruction()
    {
        string prompt = Shipped().RenderAggregate("Pick one", ["x", "y"], AnswerKind.MultipleChoice, ["Answer: A"]);

        Assert.Contains("Pick one\n\nA. x\nB. y", prompt, StringComparison.Ordinal);
        Assert.Contains("Answer: X", prompt, StringComparison.Ordinal);
    }
}
