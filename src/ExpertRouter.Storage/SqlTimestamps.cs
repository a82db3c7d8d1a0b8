using System.Globalization;

namespace ExpertRouter.Storage;

/// <summary>
/// Timestamps as the store keeps them: UTC, truncated to whole microseconds (PostgreSQL's
/// <c>timestamptz</c> resolution) so both providers round-trip exactly; on SQLite as fixed-width
/// ISO-8601 text that sorts chronologically.
/// </summary>
internal static class SqlTimestamps
{
    private const string SqliteFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }

    public static string ToSqliteText(DateTimeOffset value) =>
        Normalize(value).UtcDateTime.ToString(SqliteFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset FromSqliteText(string text) =>
        DateTimeOffset.ParseExact(text, SqliteFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
