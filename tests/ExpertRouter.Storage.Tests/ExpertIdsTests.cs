namespace ExpertRouter.Storage.Tests;

public sealed class ExpertIdsTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("qwen2.5-7b-instruct")]
    [InlineData("Case/With Spaces:and.punctuation")]
    [InlineData("日本語-エキスパート")]
    [InlineData("emoji-🚀")]
    public void Valid_ids(string id)
    {
        Assert.True(ExpertIds.IsValid(id));
        Assert.Null(ExpertIds.GetError(id));
        ExpertIds.ThrowIfInvalid(id);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a\tb", "control")]
    [InlineData("a\nb", "control")]
    [InlineData("\u007f", "control")]
    public void Invalid_ids_say_why(string id, string reason)
    {
        Assert.False(ExpertIds.IsValid(id));
        var error = Assert.Throws<ArgumentException>(() => ExpertIds.ThrowIfInvalid(id));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal("id", error.ParamName);
    }

    [Fact]
    public void Lone_surrogates_are_invalid()
    {
        // Built here, not in [InlineData]: xunit serialises theory data as UTF-8, which replaces lone surrogates.
        foreach (var id in new[] { "x" + (char)0xD83D, (char)0xDC00 + "x", "a" + (char)0xDE80 + (char)0xD83D })
        {
            Assert.False(ExpertIds.IsValid(id));
            Assert.Contains("surrogate", Assert.Throws<ArgumentException>(() => ExpertIds.ThrowIfInvalid(id)).Message, StringComparison.Ordinal);
        }

        Assert.True(ExpertIds.IsValid("pair-" + (char)0xD83D + (char)0xDE80));
    }

    [Fact]
    public void Length_limit_is_128()
    {
        Assert.True(ExpertIds.IsValid(new string('x', 128)));
        Assert.Contains("at most 128", ExpertIds.GetError(new string('x', 129)), StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => ExpertIds.ThrowIfInvalid(null));
    }
}
