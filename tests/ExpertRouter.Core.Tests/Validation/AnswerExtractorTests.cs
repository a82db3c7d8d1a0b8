using ExpertRouter.Core.Validation;

namespace ExpertRouter.Core.Tests.Validation;

public sealed class AnswerExtractorTests
{
    [Theory]
    [InlineData("Let me think.\nAnswer: B", 4, "B")]
    [InlineData("**Answer:** (C)", 4, "C")]
    [InlineData("Final answer: option d", 4, "D")]
    [InlineData("answer: b", 4, "B")]
    [InlineData("The answer is (A).", 4, "A")]
    [InlineData("Therefore, the correct answer is **J**.", 10, "J")]
    [InlineData("So the answer is $\\boxed{C}$", 4, "C")]
    [InlineData("\\boxed{\\text{(D)}}", 4, "D")]
    [InlineData("Answer: A\nWait, I made a mistake. Answer: C", 4, "C")]
    [InlineData("First I thought the answer is B, but the answer is D.", 4, "D")]
    [InlineData("Reasoning...\n\n(B)", 4, "B")]
    [InlineData("Reasoning...\n**c**", 4, "C")]
    [InlineData("<think>Answer: A is wrong because</think>\nAnswer: B", 4, "B")]
    [InlineData("<think>long thought</think>step<think>more</think>The answer is (D)", 4, "D")]
    [InlineData("Answer: E", 4, null)]
    [InlineData("Answer: B then later Answer: E", 4, "B")]
    [InlineData("Answer: I think the answer is C", 10, "C")]
    [InlineData("Answer: I am not sure", 10, null)]
    [InlineData("Answer: I", 10, "I")]
    [InlineData("Answer: Because the enzyme is inhibited", 4, null)]
    [InlineData("I cannot decide between the options.", 4, null)]
    [InlineData("", 4, null)]
    [InlineData("Answer: F", 0, "F")]
    public void MultipleChoice(string output, int choiceCount, string? expected)
    {
        Assert.Equal(expected, AnswerExtractor.Extract(output, AnswerKind.MultipleChoice, choiceCount));
    }

    [Theory]
    [InlineData("So x = 3 and the result is \\boxed{42}.", "42")]
    [InlineData("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}")]
    [InlineData("First \\boxed{1} then corrected: \\boxed{ 2\\sqrt{3} }", "2\\sqrt{3}")]
    [InlineData("$\\boxed{\\left(\\frac{a}{b}\\right)^{2}}$ done", "\\left(\\frac{a}{b}\\right)^{2}")]
    [InlineData("Truncated \\boxed{7} and \\boxed{\\frac{1}{", "7")]
    [InlineData("The value is \\boxed 5 units", "5")]
    [InlineData("<think>\\boxed{99}</think>The answer is \\boxed{100}", "100")]
    [InlineData("Work...\nAnswer: 17", "17")]
    [InlineData("Final Answer: $\\frac{3}{4}$.", "\\frac{3}{4}")]
    [InlineData("Thus the answer is 12, which satisfies both equations.", "12")]
    [InlineData("**Answer:**\n\n-3.5", "-3.5")]
    [InlineData("We get 3 apples, then 5 more, total 1,024 items.", "1024")]
    [InlineData("The ratio is 3/4 overall", "3/4")]
    [InlineData("Subtract: x = -8", "-8")]
    [InlineData("Pages 3-5 were read", "5")]
    [InlineData("No digits here at all", null)]
    [InlineData("We have 9 left, so the answer isn't obvious yet", "9")]
    public void Math(string output, string? expected)
    {
        Assert.Equal(expected, AnswerExtractor.Extract(output, AnswerKind.Math));
    }

    [Theory]
    [InlineData("The capital is discussed below.\nAnswer: Paris", "Paris")]
    [InlineData("**Final Answer:** Mitochondria.", "Mitochondria.")]
    [InlineData("Some thoughts\n\nThe final answer is Jupiter", "Jupiter")]
    [InlineData("Thinking...\nAnswer:\n\nCarbon dioxide\n", "Carbon dioxide")]
    [InlineData("It is the mitochondria.\n\n", "It is the mitochondria.")]
    [InlineData("<think>Answer: wrong</think>\n**Nitrogen**", "Nitrogen")]
    [InlineData("   \n  ", null)]
    public void FreeText(string output, string? expected)
    {
        Assert.Equal(expected, AnswerExtractor.Extract(output, AnswerKind.FreeText));
    }

    [Fact]
    public void StripReasoning_KeepsTextAfterTheLastClosingThinkTag()
    {
        Assert.Equal(" final", AnswerExtractor.StripReasoning("<think>a</think>b</THINK> final"));
        Assert.Equal("no tags", AnswerExtractor.StripReasoning("no tags"));
    }
}
