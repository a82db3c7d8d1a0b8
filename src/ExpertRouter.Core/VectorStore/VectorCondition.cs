namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// One condition of a <see cref="VectorFilter"/>: the payload field <see cref="Key"/> exists and equals one of
/// <see cref="Values"/> (ordinal comparison). One value is an equality test, several an "in" test.
/// </summary>
public sealed class VectorCondition
{
    internal VectorCondition(string key, string[] values)
    {
        Key = key;
        Values = values;
    }

    /// <summary>The payload field.</summary>
    public string Key { get; }

    /// <summary>The accepted values (at least one, distinct).</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Whether a payload satisfies this condition.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!payload.TryGetValue(Key, out var actual))
        {
            return false;
        }

        for (var i = 0; i < Values.Count; i++)
        {
            if (string.Equals(Values[i], actual, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() =>
        Values.Count == 1 ? $"{Key} == '{Values[0]}'" : $"{Key} in ['{string.Join("', '", Values)}']";
}
