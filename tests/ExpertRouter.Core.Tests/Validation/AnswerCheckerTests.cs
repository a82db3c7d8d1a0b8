using ExpertRouter.Core.Validation;

namespace ExpertRouter.Core.Tests.Validation;

public sealed class AnswerCheckerTests
{
    [Theory]
    [InlineData("B", "B", true)]
    [InlineData("b", "B", true)]
    [InlineData("(B)", "B", true)]
    [InlineData("Option B", "B", true)]
    [InlineData("\\boxed{\\text{B}}", "B", true)]
    [InlineData("C", "B", false)]
    [InlineData(null, "B", false)]
    [InlineData("  ", "B", false)]
    public void MultipleChoice(string? extracted, string gold, bool expected)
    {
        Assert.Equal(expected, AnswerChecker.IsCorrect(extracted, gold, AnswerKind.MultipleChoice));
    }

    [Theory]
    [InlineData("1,000", "1000", true)]
    [InlineData("0.5", "1/2", true)]
    [InlineData("\\frac{1}{2}", "0.5", true)]
    [InlineData("\\dfrac12", "1/2", true)]
    [InlineData("\\tfrac{2}{4}", "0.5", true)]
    [InlineData("-\\frac{3}{4}", "-0.75", true)]
    [InlineData("\\frac{-3}{4}", "-3/4", true)]
    [InlineData("+7", "7", true)]
    [InlineData("7.0", "7", true)]
    [InlineData("7.", "7", true)]
    [InlineData("007", "7", true)]
    [InlineData("$12$", "12", true)]
    [InlineData("\\$12.50", "12.5", true)]
    [InlineData("50\\%", "50", true)]
    [InlineData("50%", "50", true)]
    [InlineData("10\\text{ cm}", "10", true)]
    [InlineData("10 \\mathrm{m}^2", "10", true)]
    [InlineData("30^\\circ", "30", true)]
    [InlineData("x = 4", "4", true)]
    [InlineData("1.5e3", "1500", true)]
    [InlineData("2.5 \\times 10^{3}", "2500", true)]
    [InlineData("\\boxed{204}", "204", true)]
    [InlineData("1 000", "1000", true)]
    [InlineData("\u22125", "-5", true)]
    [InlineData("\\left( 1, 2 \\right)", "(1,2)", true)]
    [InlineData("\\sqrt2", "\\sqrt{2}", true)]
    [InlineData("2\\,\\sqrt{3}", "2\\sqrt{3}", true)]
    [InlineData("\\frac{\\sqrt{3}}{2}", "\\dfrac{\\sqrt{3}}{2}", true)]
    [InlineData("\\text{B}", "B", true)]
    [InlineData("0.333", "1/3", false)]
    [InlineData("12", "21", false)]
    [InlineData("1/0", "0", false)]
    [InlineData("1,2", "12", false)]
    [InlineData("-5", "5", false)]
    public void Math(string extracted, string gold, bool expected)
    {
        Assert.Equal(expected, AnswerChecker.IsCorrect(extracted, gold, AnswerKind.Math));
    }

    [Theory]
    [InlineData("Paris", "paris", true)]
    [InlineData("The Mitochondria.", "mitochondria", true)]
    [InlineData("  an   apple  ", "Apple", true)]
    [InlineData("U.S.", "US", true)]
    [InlineData("New-York", "new york", true)]
    [InlineData("don't know", "dont know", true)]
    [InlineData("Theory of relativity!", "theory of relativity", true)]
    [InlineData("London", "Paris", false)]
    [InlineData("the", "a", false)]
    public void FreeText(string extracted, string gold, bool expected)
    {
        Assert.Equal(expected, AnswerChecker.IsCorrect(extracted, gold, AnswerKind.FreeText));
    }

    [Theory]
    [InlineData("0.50", AnswerKind.Math, "1/2")]
    [InlineData("-0", AnswerKind.Math, "0")]
    [InlineData("\\left(x+1\\right)", AnswerKind.Math, "(x+1)")]
    [InlineData("(c)", AnswerKind.MultipleChoice, "C")]
    [InlineData(" The Quick, Brown Fox ", AnswerKind.FreeText, "quick brown fox")]
    [InlineData(null, AnswerKind.FreeText, "")]
    public void Normalize(string? answer, AnswerKind kind, string expected)
    {
        Assert.Equal(expected, AnswerChecker.Normalize(answer, kind));
    }

    [Theory]
    [InlineData("42", true)]
    [InlineData("-3.5", true)]
    [InlineData("1,000", true)]
    [InlineData("3/4", true)]
    [InlineData("50%", true)]
    [InlineData("\\frac{\\sqrt{3}}{2}", true)]
    [InlineData("2x+1", true)]
    [InlineData("3\\pi", true)]
    [InlineData("x^2", true)]
    [InlineData("(1, 2)", true)]
    [InlineData("Paris", false)]
    [InlineData("mitochondria", false)]
    [InlineData("CO2", false)]
    [InlineData("3 apples", false)]
    [InlineData("", false)]
    public void LooksLikeMath(string answer, bool expected)
    {
        Assert.Equal(expected, AnswerChecker.LooksLikeMath(answer));
    }

    [Fact]
    public void ExtractThenCheck_RoundTripsTypicalOutputs()
    {
        Assert.True(AnswerChecker.IsCorrect(
            AnswerExtractor.Extract("<think>hmm</think>So the probability is \\boxed{\\dfrac{1}{4}}.", AnswerKind.Math), "0.25", AnswerKind.Math));
        Assert.True(AnswerChecker.IsCorrect(
            AnswerExtractor.Extract("Option B is right.\nAnswer: B", AnswerKind.MultipleChoice, 4), "B", AnswerKind.MultipleChoice));
        Assert.True(AnswerChecker.IsCorrect(
            AnswerExtractor.Extract("Answer: The Pacific Ocean.", AnswerKind.FreeText), "pacific ocean", AnswerKind.FreeText));
    }
}
