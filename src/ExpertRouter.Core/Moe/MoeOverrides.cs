using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Per-request routing overrides, read from extra body fields of a chat request: <c>k</c>,
/// <c>routing_top_p</c>, <c>aggregation</c>, <c>routing_seed</c>, <c>with_replacement</c>, <c>profile</c>.
/// </summary>
public sealed record MoeOverrides(int? K, double? TopP, string? Aggregation, int? Seed, bool? WithReplacement, string? Profile)
{
    public static readonly string[] Aggregations = ["auto", "synthesis", "vote", "certainty", "first"];

    public static MoeOverrides None { get; } = new(null, null, null, null, null, null);

    /// <summary>Reads and validates overrides; throws <see cref="ArgumentException"/> naming the field.</summary>
#pragma warning disable CA2208 // the parameter names are the request's JSON fields, reported back to the caller
    public static MoeOverrides From(AdditionalPropertiesDictionary? extra)
    {
        if (extra is null)
        {
            return None;
        }

        var k = Int(extra, "k");
        if (k is < 1 or > 64)
        {
            throw new ArgumentException($"'k' must be 1..64 (got {k}).", "k");
        }

        var topP = Double(extra, "routing_top_p");
        if (topP is not null and (<= 0 or > 1))
        {
            throw new ArgumentException($"'routing_top_p' must be in (0, 1] (got {topP}).", "routing_top_p");
        }

        var aggregation = String(extra, "aggregation");
        if (aggregation is not null && !Aggregations.Contains(aggregation))
        {
            throw new ArgumentException($"'aggregation' must be one of {string.Join(", ", Aggregations)} (got '{aggregation}').", "aggregation");
        }

        return new MoeOverrides(k, topP, aggregation, Int(extra, "routing_seed"), Bool(extra, "with_replacement"), String(extra, "profile"));
    }
#pragma warning restore CA2208

#pragma warning disable CA2208
    private static object? Raw(AdditionalPropertiesDictionary extra, string key) => extra.TryGetValue(key, out var v) ? v : null;

    private static int? Int(AdditionalPropertiesDictionary extra, string key) => Raw(extra, key) switch
    {
        null => null,
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var i) => i,
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        _ => throw new ArgumentException($"'{key}' must be an integer.", key),
    };

    private static double? Double(AdditionalPropertiesDictionary extra, string key) => Raw(extra, key) switch
    {
        null => null,
        double d => d,
        float f => f,
        int i => i,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw new ArgumentException($"'{key}' must be a number.", key),
    };

    private static string? String(AdditionalPropertiesDictionary extra, string key) => Raw(extra, key) switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        _ => throw new ArgumentException($"'{key}' must be a string.", key),
    };

    private static bool? Bool(AdditionalPropertiesDictionary extra, string key) => Raw(extra, key) switch
    {
        null => null,
        bool b => b,
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        _ => throw new ArgumentException($"'{key}' must be true or false.", key),
    };
#pragma warning restore CA2208
}
