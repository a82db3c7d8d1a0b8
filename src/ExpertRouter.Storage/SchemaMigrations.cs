namespace ExpertRouter.Storage;

/// <summary>
/// Every schema migration, in order, in one place. To change the schema append a migration with the
/// next version (both dialects); never edit or reorder one that has shipped. Each runs in its own
/// transaction, so one may hold several statements.
/// </summary>
/// <remarks>
/// Conventions: SQLite tables are STRICT; timestamps are ISO-8601 UTC text on SQLite
/// (<c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, sorts as text) and <c>timestamptz</c> on PostgreSQL;
/// JSON is TEXT on SQLite and <c>jsonb</c> on PostgreSQL; booleans are INTEGER 0/1 on SQLite.
/// Queue-style tables (batch jobs) can use <c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL; on SQLite
/// the single writer makes a plain <c>UPDATE ... RETURNING</c> claim atomic.
/// </remarks>
internal static class SchemaMigrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(
            1,
            "experts",
            Sqlite: """
                CREATE TABLE experts (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    display_name    TEXT    NULL,
                    kind            TEXT    NOT NULL,
                    path            TEXT    NULL,
                    base_url        TEXT    NULL,
                    model           TEXT    NULL,
                    api_key_setting TEXT    NULL,
                    context_size    INTEGER NULL,
                    gpu_layers      INTEGER NULL,
                    max_sequences   INTEGER NULL,
                    sampling        TEXT    NOT NULL DEFAULT '{}',
                    description     TEXT    NULL,
                    tags            TEXT    NOT NULL DEFAULT '[]',
                    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
                    source          TEXT    NOT NULL,
                    created_at      TEXT    NOT NULL,
                    updated_at      TEXT    NOT NULL
                ) STRICT;
                """,
            Postgres: """
                CREATE TABLE experts (
                    id              text        NOT NULL PRIMARY KEY,
                    display_name    text        NULL,
                    kind            text        NOT NULL,
                    path            text        NULL,
                    base_url        text        NULL,
                    model           text        NULL,
                    api_key_setting text        NULL,
                    context_size    integer     NULL,
                    gpu_layers      integer     NULL,
                    max_sequences   integer     NULL,
                    sampling        jsonb       NOT NULL DEFAULT '{}'::jsonb,
                    description     text        NULL,
                    tags            jsonb       NOT NULL DEFAULT '[]'::jsonb,
                    pinned          boolean     NOT NULL DEFAULT false,
                    source          text        NOT NULL,
                    created_at      timestamptz NOT NULL,
                    updated_at      timestamptz NOT NULL
                );
                """),
    ];

    public static int LatestVersion => All[^1].Version;
}
