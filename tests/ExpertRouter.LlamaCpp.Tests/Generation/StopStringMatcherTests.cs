using ExpertRouter.LlamaCpp.Generation;

namespace ExpertRouter.LlamaCpp.Tests.Generation;

public sealed class StopStringMatcherTests
{
    [Fact]
    public void Append_HoldsBackPossibleStopPrefix_ThenReleasesIt()
    {
        var m = new StopStringMatcher(["END"]);
        Assert.Equal(("abc", false), m.Append("abcE"));
        Assert.Equal(("", false), m.Append("N"));
        Assert.Equal(("ENx", false), m.Append("x"));
    }

    [Fact]
    public void Append_StopsAtEarliestStopString_AcrossDeltas()
    {
        var m = new StopStringMatcher(["###", "\n\n"]);
        Assert.Equal(("hello", false), m.Append("hello#"));
        Assert.Equal(("# world", true), m.Append(" world\n\nmore ### text"));
    }

    [Fact]
    public void Append_FindsStopSplitOverThreeDeltas()
    {
        var m = new StopStringMatcher(["<END>"]);
        var emitted = "";
        var stopped = false;
        foreach (var d in new[] { "The answer", " is 4<E", "N", "D> and more" })
        {
            var (e, s) = m.Append(d);
            emitted += e;
            if (s)
            {
                stopped = true;
                break;
            }
        }

        Assert.True(stopped);
        Assert.Equal("The answer is 4", emitted);
    }

    [Fact]
    public void Flush_ReleasesHeldText_WhenNoStopFollows()
    {
        var m = new StopStringMatcher(["STOP"]);
        var (e, _) = m.Append("go ST");
        Assert.Equal("go ", e);
        Assert.Equal("ST", m.Flush());
    }

    [Fact]
    public void Append_PassesThrough_WithoutStops()
    {
        var m = new StopStringMatcher([]);
        Assert.Equal(("anything", false), m.Append("anything"));
    }
}
