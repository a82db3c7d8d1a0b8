using System.Globalization;

namespace ExpertRouter.Storage;

/// <summary>Parameter and column conversions shared by the job queue and batch stores (booleans and timestamps differ per dialect).</summary>
internal static class SqlValues
{
    public static object Ts(bool postgres, DateTimeOffset value) => postgres ? SqlTimestamps.Normalize(value) : SqlTimestamps.ToSqliteText(value);

    public static object? Ts(bool postgres, DateTimeOffset? value) => value is { } v ? Ts(postgres, v) : null;

    /// <summary>
    /// Keyset paging: rows of <paramref name="table"/> before (<c>&lt;</c>) or after (<c>&gt;</c>) the row whose id is the
    /// parameter <paramref name="parameter"/>, in (created_at, id) order. Only fixed names go in here, never input.
    /// </summary>
    public static string Beyond(string table, string op, string parameter) =>
        $"(created_at {op} (SELECT created_at FROM {table} WHERE id = {parameter}) OR (created_at = (SELECT created_at FROM {table} WHERE id = {parameter}) AND id {op} {parameter}))";

    public static object Bool(bool postgres, bool value) => postgres ? value : value ? 1L : 0L;

    public static bool ToBool(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        int i => i != 0,
        _ => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
    };

    public static DateTimeOffset ReadTs(object value) => value switch
    {
        string s => SqlTimestamps.FromSqliteText(s),
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        DateTimeOffset o => o,
        _ => throw new InvalidCastException($"Unexpected timestamp value {value.GetType()}."),
    };

    public static DateTimeOffset? ReadTsOrNull(object? value) => value is null or DBNull ? null : ReadTs(value);
}
