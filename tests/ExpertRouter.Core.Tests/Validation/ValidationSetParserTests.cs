using ExpertRouter.Core.Validation;
using ExpertRouter.Testing;

namespace ExpertRouter.Core.Tests.Validation;

public sealed class ValidationSetParserTests
{
    private static ValidationParseResult Parse(string text, int maxItems = 100_000) =>
        ValidationSetParser.Parse(new StringReader(text), maxItems);

    private static ValidationItem Single(string line)
    {
        ValidationParseResult result = Parse(line);
        Assert.Empty(result.Errors);
        return Assert.Single(result.Items);
    }

    private static string SingleError(string line)
    {
        ValidationParseResult result = Parse(line);
        Assert.Empty(result.Items);
        ValidationLineError error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        return error.Message;
    }

    [Fact]
    public void Parse_ReadsAMultipleChoiceItem_WithEveryField()
    {
        ValidationItem item = Single("""{"id": "q1", "question": " 2+2? ", "choices": ["3", "4"], "answer": "b", "skills": ["Arithmetic.", " basic  math "], "category": "ignored"}""");

        Assert.Equal(new ValidationItem(1, "q1", "2+2?", item.Choices, "B", item.Skills, AnswerKind.MultipleChoice), item);
        Assert.Equal(["3", "4"], item.Choices);
        Assert.Equal(["arithmetic", "basic math"], item.Skills);
    }

    [Fact]
    public void Parse_KeepsGoodLines_AndReportsBadOnesByLineNumber()
    {
        string text = string.Join('\n',
            """{"question": "Capital of France?", "answer": "Paris"}""",
            "",
            """{"question": "broken", "answer": """,
            """   """,
            """{"question": "What is 6*7?", "answer": 42}""",
            """["not", "an", "object"]""",
            """{"answer": "x"}""",
            """{"question": "Pick", "choices": ["a", "b", "c", "d"], "answer": "E"}""",
            """{"id": "last", "question": "Pick", "choices": ["a", "b"], "answer": 1}""");

        ValidationParseResult result = Parse(text);

        Assert.Equal([1, 5, 9], result.Items.Select(i => i.Line));
        Assert.Equal(["item-1", "item-5", "last"], result.Items.Select(i => i.Id));
        Assert.Equal([3, 6, 7, 8], result.Errors.Select(e => e.Line));
        Assert.StartsWith("invalid JSON", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("expected a JSON object", result.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("missing required field 'question'", result.Errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("answer letter 'E' is out of range for 4 choices (A-D)", result.Errors[3].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AcceptsAByteOrderMark()
    {
        ValidationParseResult result = Parse("\uFEFF{\"question\": \"q\", \"answer\": \"yes\"}\n{\"question\": \"r\", \"answer\": \"no\"}");

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Items.Count);
    }

    [Fact]
    public void ParseFile_AcceptsAUtf8ByteOrderMarkOnDisk()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("set.jsonl");
        File.WriteAllText(path, "{\"question\": \"q\", \"answer\": \"3\"}\r\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        ValidationParseResult result = ValidationSetParser.ParseFile(path);

        Assert.Equal(AnswerKind.Math, Assert.Single(result.Items).Kind);
    }

    [Fact]
    public void Parse_AcceptsChoicesAsAnObjectKeyedByLetter_InAnyOrder()
    {
        ValidationItem item = Single("""{"question": "q", "choices": {"B": "beta", "a": "alpha", "C": "gamma"}, "answer": "C"}""");

        Assert.Equal(["alpha", "beta", "gamma"], item.Choices);
        Assert.Equal("C", item.Answer);
    }

    [Theory]
    [InlineData("\"Neon\"", "B")]
    [InlineData("\"neon\"", "B")]
    [InlineData("2", "C")]
    [InlineData("\"0\"", "A")]
    [InlineData("\"(c)\"", "C")]
    [InlineData("\"D.\"", "D")]
    public void Parse_NormalisesAMultipleChoiceAnswerToItsLetter(string answer, string letter)
    {
        ValidationItem item = Single($$"""{"question": "q", "choices": ["Oxygen", "Neon", "Iron", "Gold"], "answer": {{answer}}}""");

        Assert.Equal(letter, item.Answer);
    }

    [Theory]
    [InlineData("""{"question": "q", "answer": "12"}""", AnswerKind.Math)]
    [InlineData("""{"question": "q", "answer": 0.5}""", AnswerKind.Math)]
    [InlineData("""{"question": "q", "answer": "\\frac{1}{2}"}""", AnswerKind.Math)]
    [InlineData("""{"question": "q", "answer": "2\\sqrt{3}"}""", AnswerKind.Math)]
    [InlineData("""{"question": "q", "answer": "Paris"}""", AnswerKind.FreeText)]
    [InlineData("""{"question": "q", "answer": "12", "kind": "free_text"}""", AnswerKind.FreeText)]
    [InlineData("""{"question": "q", "answer": "Paris", "kind": "Math"}""", AnswerKind.Math)]
    [InlineData("""{"question": "q", "choices": ["1", "2"], "answer": "2"}""", AnswerKind.MultipleChoice)]
    [InlineData("""{"question": "q", "choices": ["x", "y"], "answer": "5", "kind": "math"}""", AnswerKind.Math)]
    public void Parse_InfersTheKind_UnlessItIsGiven(string line, AnswerKind kind)
    {
        Assert.Equal(kind, Single(line).Kind);
    }

    [Fact]
    public void Parse_ExactChoiceTextWinsOverADigitIndex()
    {
        ValidationItem item = Single("""{"question": "q", "choices": ["1", "2", "3"], "answer": "2"}""");

        Assert.Equal("B", item.Answer);
    }

    [Fact]
    public void Parse_ReadsKeywordsAsSkills_AndNumericIds()
    {
        ValidationItem item = Single("""{"id": 17, "question": "q", "answer": "x", "keywords": ["Genetics"]}""");

        Assert.Equal("17", item.Id);
        Assert.Equal(["genetics"], item.Skills);
    }

    [Theory]
    [InlineData("""{"question": 5, "answer": "x"}""", "'question' must be a string, found a number")]
    [InlineData("""{"question": "  ", "answer": "x"}""", "'question' is empty")]
    [InlineData("""{"question": "q"}""", "missing required field 'answer'")]
    [InlineData("""{"question": "q", "answer": null}""", "missing required field 'answer'")]
    [InlineData("""{"question": "q", "answer": true}""", "'answer' must be a string or a number, found a boolean")]
    [InlineData("""{"question": "q", "answer": ""}""", "'answer' is empty")]
    [InlineData("""{"question": "q", "choices": "A, B", "answer": "A"}""", "'choices' must be an array of strings or an object keyed by letter")]
    [InlineData("""{"question": "q", "choices": ["a", 2], "answer": "A"}""", "choices[1] must be a string, found a number")]
    [InlineData("""{"question": "q", "choices": ["only"], "answer": "A"}""", "at least 2")]
    [InlineData("""{"question": "q", "choices": ["a", ""], "answer": "A"}""", "choice B is empty")]
    [InlineData("""{"question": "q", "choices": {"A": "x", "C": "y"}, "answer": "A"}""", "B is missing")]
    [InlineData("""{"question": "q", "choices": {"A": "x", "AB": "y"}, "answer": "A"}""", "keys must be single letters")]
    [InlineData("""{"question": "q", "choices": {"A": "x", "a": "y"}, "answer": "A"}""", "choice A appears twice")]
    [InlineData("""{"question": "q", "choices": ["a", "b"], "answer": 2}""", "answer index 2 is out of range for 2 choices")]
    [InlineData("""{"question": "q", "choices": ["a", "b"], "answer": 1.5}""", "not an integer")]
    [InlineData("""{"question": "q", "choices": ["a", "b"], "answer": "maybe"}""", "neither a letter (A-B)")]
    [InlineData("""{"question": "q", "answer": "x", "skills": "algebra"}""", "'skills' must be an array of strings")]
    [InlineData("""{"question": "q", "answer": "x", "keywords": [1]}""", "'keywords' must contain only strings")]
    [InlineData("""{"question": "q", "answer": "x", "kind": "essay"}""", "unknown kind 'essay'")]
    [InlineData("""{"question": "q", "answer": "x", "kind": "multiple_choice"}""", "needs 'choices'")]
    [InlineData("""{"question": "q", "answer": "x", "id": ["a"]}""", "'id' must be a string or a number")]
    [InlineData("""{"question": "q", "answer": "x", "answer": "y"}""", "duplicate field 'answer'")]
    [InlineData("""{"question": "q", "answer": "x",}""", "invalid JSON")]
    [InlineData("""42""", "expected a JSON object, found a number")]
    public void Parse_RejectsBadLines_WithAReason(string line, string reason)
    {
        Assert.Contains(reason, SingleError(line), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsEveryProblemOfALine()
    {
        string message = SingleError("""{"question": 1, "answer": [], "kind": "essay"}""");

        Assert.Contains("'question' must be a string", message, StringComparison.Ordinal);
        Assert.Contains("'answer' must be a string or a number", message, StringComparison.Ordinal);
        Assert.Contains("unknown kind", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RejectsMoreThan26Choices()
    {
        string choices = string.Join(", ", Enumerable.Range(1, 27).Select(i => $"\"c{i}\""));

        Assert.Contains("too many choices: 27", SingleError($$"""{"question": "q", "choices": [{{choices}}], "answer": "A"}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Accepts26ChoicesAndTheLetterZ()
    {
        string choices = string.Join(", ", Enumerable.Range(1, 26).Select(i => $"\"c{i}\""));

        Assert.Equal("Z", Single($$"""{"question": "q", "choices": [{{choices}}], "answer": "z"}""").Answer);
    }

    [Fact]
    public void Parse_RejectsADuplicateId_KeepingTheFirst()
    {
        ValidationParseResult result = Parse("{\"id\": \"a\", \"question\": \"q\", \"answer\": \"1\"}\n{\"id\": \"a\", \"question\": \"r\", \"answer\": \"2\"}");

        Assert.Equal("q", Assert.Single(result.Items).Question);
        ValidationLineError error = Assert.Single(result.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("duplicate id 'a' (first used on line 1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StopsAtMaxItems_WithAnErrorOnTheFirstLineLeftOut()
    {
        string text = string.Join('\n', Enumerable.Range(1, 5).Select(i => $"{{\"question\": \"q{i}\", \"answer\": \"{i}\"}}"));

        ValidationParseResult result = Parse(text, maxItems: 3);

        Assert.Equal(3, result.Items.Count);
        ValidationLineError error = Assert.Single(result.Errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("too many items", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OfAnEmptyReader_ReturnsNothing()
    {
        ValidationParseResult result = Parse("\n\n  \n");

        Assert.Empty(result.Items);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void FormatChoices_LettersEachChoiceOnItsOwnLine()
    {
        Assert.Equal("A. x\nB. y\nC. z", ValidationSetParser.FormatChoices(["x", "y", "z"]));
        Assert.Equal("", ValidationSetParser.FormatChoices([]));
        Assert.Throws<ArgumentException>(() => ValidationSetParser.FormatChoices(Enumerable.Repeat("c", 27).ToList()));
    }
}
