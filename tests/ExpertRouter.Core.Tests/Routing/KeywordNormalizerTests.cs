using ExpertRouter.Core.Routing;

namespace ExpertRouter.Core.Tests.Routing;

public sealed class KeywordNormalizerTests
{
    [Theory]
    [InlineData("  Molecular   Biology. ", "molecular biology")]
    [InlineData("Algebra", "algebra")]
    [InlineData("contract\tlaw...", "contract law")]
    [InlineData("ALGEBRA .", "algebra")]
    [InlineData("algebra . .", "algebra")]
    [InlineData(".NET runtime", ".net runtime")]
    [InlineData("abcdefghijklmnopqrst", "abcdefghijklmnopqrst")] // 20 characters: kept
    public void Normalize_Cleans(string input, string expected) => Assert.Equal(expected, KeywordNormalizer.Normalize(input));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("...")]
    [InlineData(null)]
    [InlineData("abcdefghijklmnopqrstu")] // 21 characters: too long
    public void Normalize_RejectsEmptyOrTooLong(string? input) => Assert.Null(KeywordNormalizer.Normalize(input));

    [Fact]
    public void Normalize_MaxLengthIsConfigurable()
    {
        Assert.Null(KeywordNormalizer.NormalizeWithMaxLength("geometry", maxLength: 5));
        Assert.Equal("a very long skill name indeed", KeywordNormalizer.NormalizeWithMaxLength("A very long skill name indeed", maxLength: 40));
        Assert.Equal(["a very long skill name indeed"], KeywordNormalizer.ParseModelOutput("- A very long skill name indeed", maxLength: 40));
    }

    [Fact]
    public void Normalize_WorksAsALinqMethodGroup()
    {
        // Select(KeywordNormalizer.Normalize) must bind Func<string, string?>, not the (element, index) overload.
        string[] skills = ["Algebra.", "", "Geometry", "a keyword that is far too long"];
        Assert.Equal(["algebra", "geometry"], skills.Select(KeywordNormalizer.Normalize).OfType<string>());
    }

    [Fact]
    public void ParseModelOutput_StripsMarkersQuotesAndSeparators()
    {
        const string text = """
            Keywords:
            1. Algebra
            2) "Number Theory".
            - geometry, Trigonometry
            * **Calculus**
            • 'linear algebra'
            (7) probability; statistics
            algebra
            """;
        Assert.Equal(
            ["algebra", "number theory", "geometry", "trigonometry", "calculus", "linear algebra", "probability", "statistics"],
            KeywordNormalizer.ParseModelOutput(text));
    }

    [Fact]
    public void ParseModelOutput_CommaSeparatedWithLabel_DropsTooLong()
    {
        Assert.Equal(
            ["cardiology", "pharmacology"],
            KeywordNormalizer.ParseModelOutput("Skills: Cardiology, Pharmacology, a very long keyword that is not a skill"));
        Assert.Empty(KeywordNormalizer.ParseModelOutput(""));
        Assert.Empty(KeywordNormalizer.ParseModelOutput(null));
    }

    [Fact]
    public void KeepRepeated_KeepsKeywordsInAtLeastTwoSamples_OrderedByCountThenFirstAppearance()
    {
        string[][] samples =
        [
            ["Algebra", "geometry", "algebra"], // algebra counted once in this sample
            ["algebra.", "calculus"],
            ["Geometry", "calculus", "biology"],
            ["calculus", "a keyword that is far too long", "a keyword that is far too long"],
            ["a keyword that is far too long"],
        ];

        // counts: algebra 2 (samples 0, 1), geometry 2 (0, 2), calculus 3 (1, 2, 3), biology 1; too long -> dropped
        // first appearance order: algebra, geometry, calculus, biology
        // >= 2 samples, by count desc then first appearance: calculus (3), algebra (2), geometry (2)
        Assert.Equal(["calculus", "algebra", "geometry"], KeywordNormalizer.KeepRepeated(samples));
        Assert.Equal(["calculus", "algebra", "geometry", "biology"], KeywordNormalizer.KeepRepeated(samples, minSamples: 1));
        Assert.Equal(["calculus"], KeywordNormalizer.KeepRepeated(samples, minSamples: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeywordNormalizer.KeepRepeated(samples, minSamples: 0));
    }
}
