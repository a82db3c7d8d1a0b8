namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// A conjunction of payload conditions (<c>key == value</c>, <c>key in [values]</c>); a point matches when every
/// condition holds. Immutable: <see cref="And(string, string)"/> returns a new filter. A null filter (or one without
/// conditions) matches every point.
/// </summary>
/// <example><code>VectorFilter.Where("expert", "qwen-math").And("kind", "pilot")</code></example>
public sealed class VectorFilter
{
    private readonly VectorCondition[] _conditions;

    private VectorFilter(VectorCondition[] conditions) => _conditions = conditions;

    /// <summary>The filter without conditions: matches every point.</summary>
    public static VectorFilter All { get; } = new([]);

    /// <summary>The conditions, all of which must hold.</summary>
    public IReadOnlyList<VectorCondition> Conditions => _conditions;

    /// <summary>Whether this filter has no conditions.</summary>
    public bool IsEmpty => _conditions.Length == 0;

    /// <summary>A filter with one condition: <paramref name="key"/> == <paramref name="value"/>.</summary>
    public static VectorFilter Where(string key, string value) => All.And(key, value);

    /// <summary>A filter with one condition: <paramref name="key"/> is one of <paramref name="values"/>.</summary>
    public static VectorFilter WhereAny(string key, IEnumerable<string> values) => All.AndAny(key, values);

    /// <summary>This filter plus the condition <paramref name="key"/> == <paramref name="value"/>.</summary>
    public VectorFilter And(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return AndAny(key, [value]);
    }

    /// <summary>This filter plus the condition <paramref name="key"/> in <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">The key is not a valid payload key (1-64 ASCII letters, digits, '_', '-'), or there are no values, or a value is null.</exception>
    public VectorFilter AndAny(string key, IEnumerable<string> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(values);
        if (!VectorValidation.IsValidPayloadKey(key))
        {
            throw new ArgumentException($"'{key}' is not a valid payload key: use 1-64 ASCII letters, digits, '_' and '-'.", nameof(key));
        }

        var distinct = new List<string>();
        foreach (var v in values)
        {
            if (v is null)
            {
                throw new ArgumentException("Filter values must not be null.", nameof(values));
            }

            if (!distinct.Contains(v, StringComparer.Ordinal))
            {
                distinct.Add(v);
            }
        }

        if (distinct.Count == 0)
        {
            throw new ArgumentException($"The condition on '{key}' needs at least one value.", nameof(values));
        }

        return new VectorFilter([.. _conditions, new VectorCondition(key, [.. distinct])]);
    }

    /// <summary>Whether a payload satisfies every condition.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> payload)
    {
        foreach (var c in _conditions)
        {
            if (!c.Matches(payload))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString() => IsEmpty ? "(all)" : string.Join(" && ", _conditions.Select(c => c.ToString()));
}
