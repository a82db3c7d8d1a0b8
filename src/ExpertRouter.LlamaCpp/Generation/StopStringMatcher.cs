namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// Finds stop strings in streamed text. Text that could still become the start of a stop string is
/// held back until it is clear, so a streamed answer never shows part of a stop string.
/// </summary>
internal sealed class StopStringMatcher(IReadOnlyList<string> stops)
{
    private string _pending = string.Empty;

    /// <summary>Adds text; returns what may be emitted now and whether a stop string was found (text after it is dropped).</summary>
    public (string Emit, bool Stopped) Append(string delta)
    {
        if (stops.Count == 0)
        {
            return (delta, false);
        }

        var text = _pending + delta;
        var first = -1;
        foreach (var stop in stops)
        {
            var at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        if (first >= 0)
        {
            _pending = string.Empty;
            return (text[..first], true);
        }

        var hold = 0;
        foreach (var stop in stops)
        {
            for (var k = Math.Min(stop.Length - 1, text.Length); k > hold; k--)
            {
                if (text.AsSpan(text.Length - k).SequenceEqual(stop.AsSpan(0, k)))
                {
                    hold = k;
                    break;
                }
            }
        }

        _pending = text[(text.Length - hold)..];
        return (text[..(text.Length - hold)], false);
    }

    /// <summary>Releases held-back text at the end of a sequence that did not stop on a stop string.</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = string.Empty;
        return rest;
    }
}
