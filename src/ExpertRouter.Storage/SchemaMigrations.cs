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
        new(
            2,
            "validation sets, profiling runs, skill profiles",
            Sqlite: """
                CREATE TABLE validation_sets (
                    id          TEXT    NOT NULL PRIMARY KEY,
                    name        TEXT    NOT NULL,
                    description TEXT    NULL,
                    item_count  INTEGER NOT NULL,
                    created_at  TEXT    NOT NULL
                ) STRICT;
                CREATE TABLE validation_items (
                    set_id TEXT    NOT NULL REFERENCES validation_sets (id) ON DELETE CASCADE,
                    idx    INTEGER NOT NULL,
                    data   TEXT    NOT NULL,
                    PRIMARY KEY (set_id, idx)
                ) STRICT;
                CREATE TABLE profiling_runs (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    set_id          TEXT    NOT NULL,
                    profile_id      TEXT    NOT NULL,
                    status          TEXT    NOT NULL,
                    settings        TEXT    NOT NULL,
                    progress        TEXT    NOT NULL,
                    error           TEXT    NULL,
                    profile_version INTEGER NULL,
                    created_at      TEXT    NOT NULL,
                    updated_at      TEXT    NOT NULL
                ) STRICT;
                CREATE TABLE profiling_keywords (
                    run_id   TEXT    NOT NULL,
                    item_idx INTEGER NOT NULL,
                    keywords TEXT    NOT NULL,
                    PRIMARY KEY (run_id, item_idx)
                ) STRICT;
                CREATE TABLE profiling_answers (
                    run_id         TEXT    NOT NULL,
                    expert_id      TEXT    NOT NULL,
                    item_idx       INTEGER NOT NULL,
                    output         TEXT    NOT NULL,
                    extracted      TEXT    NULL,
                    correct        INTEGER NOT NULL,
                    self_certainty REAL    NULL,
                    PRIMARY KEY (run_id, expert_id, item_idx)
                ) STRICT;
                CREATE TABLE profiling_aggregator_results (
                    run_id        TEXT    NOT NULL,
                    aggregator_id TEXT    NOT NULL,
                    item_idx      INTEGER NOT NULL,
                    correct       INTEGER NOT NULL,
                    PRIMARY KEY (run_id, aggregator_id, item_idx)
                ) STRICT;
                CREATE TABLE skill_profiles (
                    id         TEXT    NOT NULL,
                    version    INTEGER NOT NULL,
                    run_id     TEXT    NOT NULL,
                    data       TEXT    NOT NULL,
                    created_at TEXT    NOT NULL,
                    PRIMARY KEY (id, version)
                ) STRICT;
                """,
            Postgres: """
                CREATE TABLE validation_sets (
                    id          text        NOT NULL PRIMARY KEY,
                    name        text        NOT NULL,
                    description text        NULL,
                    item_count  integer     NOT NULL,
                    created_at  timestamptz NOT NULL
                );
                CREATE TABLE validation_items (
                    set_id text    NOT NULL REFERENCES validation_sets (id) ON DELETE CASCADE,
                    idx    integer NOT NULL,
                    data   text    NOT NULL,
                    PRIMARY KEY (set_id, idx)
                );
                CREATE TABLE profiling_runs (
                    id              text        NOT NULL PRIMARY KEY,
                    set_id          text        NOT NULL,
                    profile_id      text        NOT NULL,
                    status          text        NOT NULL,
                    settings        text        NOT NULL,
                    progress        text        NOT NULL,
                    error           text        NULL,
                    profile_version integer     NULL,
                    created_at      timestamptz NOT NULL,
                    updated_at      timestamptz NOT NULL
                );
                CREATE TABLE profiling_keywords (
                    run_id   text    NOT NULL,
                    item_idx integer NOT NULL,
                    keywords text    NOT NULL,
                    PRIMARY KEY (run_id, item_idx)
                );
                CREATE TABLE profiling_answers (
                    run_id         text             NOT NULL,
                    expert_id      text             NOT NULL,
                    item_idx       integer          NOT NULL,
                    output         text             NOT NULL,
                    extracted      text             NULL,
                    correct        boolean          NOT NULL,
                    self_certainty double precision NULL,
                    PRIMARY KEY (run_id, expert_id, item_idx)
                );
                CREATE TABLE profiling_aggregator_results (
                    run_id        text    NOT NULL,
                    aggregator_id text    NOT NULL,
                    item_idx      integer NOT NULL,
                    correct       boolean NOT NULL,
                    PRIMARY KEY (run_id, aggregator_id, item_idx)
                );
                CREATE TABLE skill_profiles (
                    id         text        NOT NULL,
                    version    integer     NOT NULL,
                    run_id     text        NOT NULL,
                    data       text        NOT NULL,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (id, version)
                );
                """),
        new(
            3,
            "durable job queue, job checkpoints and history; files and batches",
            Sqlite: """
                CREATE TABLE jobs (
                    id               TEXT    NOT NULL PRIMARY KEY,
                    kind             TEXT    NOT NULL,
                    payload          TEXT    NOT NULL,
                    status           TEXT    NOT NULL,
                    attempts         INTEGER NOT NULL DEFAULT 0,
                    max_attempts     INTEGER NOT NULL,
                    lease_owner      TEXT    NULL,
                    lease_expires_at TEXT    NULL,
                    heartbeat_at     TEXT    NULL,
                    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
                    progress         TEXT    NULL,
                    error            TEXT    NULL,
                    run_after        TEXT    NOT NULL,
                    created_at       TEXT    NOT NULL,
                    started_at       TEXT    NULL,
                    finished_at      TEXT    NULL,
                    updated_at       TEXT    NOT NULL
                ) STRICT;
                CREATE INDEX jobs_claimable ON jobs (status, run_after);
                CREATE INDEX jobs_created ON jobs (created_at, id);
                CREATE TABLE job_checkpoints (
                    job_id     TEXT    NOT NULL,
                    item       INTEGER NOT NULL,
                    succeeded  INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
                    result     TEXT    NOT NULL,
                    worker     TEXT    NULL,
                    created_at TEXT    NOT NULL,
                    PRIMARY KEY (job_id, item)
                ) STRICT;
                CREATE TABLE job_computations (
                    job_id          TEXT    NOT NULL,
                    item            INTEGER NOT NULL,
                    computations    INTEGER NOT NULL,
                    last_worker     TEXT    NULL,
                    last_started_at TEXT    NOT NULL,
                    PRIMARY KEY (job_id, item)
                ) STRICT;
                CREATE TABLE job_events (
                    seq    INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT    NOT NULL,
                    at     TEXT    NOT NULL,
                    event  TEXT    NOT NULL,
                    worker TEXT    NULL,
                    detail TEXT    NULL
                ) STRICT;
                CREATE INDEX job_events_job ON job_events (job_id, seq);
                CREATE TABLE files (
                    id         TEXT    NOT NULL PRIMARY KEY,
                    purpose    TEXT    NOT NULL,
                    filename   TEXT    NOT NULL,
                    bytes      INTEGER NOT NULL,
                    created_at TEXT    NOT NULL
                ) STRICT;
                CREATE INDEX files_created ON files (created_at, id);
                CREATE TABLE batches (
                    id                TEXT    NOT NULL PRIMARY KEY,
                    endpoint          TEXT    NOT NULL,
                    input_file_id     TEXT    NOT NULL,
                    completion_window TEXT    NOT NULL,
                    status            TEXT    NOT NULL,
                    output_file_id    TEXT    NULL,
                    error_file_id     TEXT    NULL,
                    errors            TEXT    NULL,
                    metadata          TEXT    NULL,
                    request_total     INTEGER NOT NULL DEFAULT 0,
                    request_completed INTEGER NOT NULL DEFAULT 0,
                    request_failed    INTEGER NOT NULL DEFAULT 0,
                    created_at        TEXT    NOT NULL,
                    in_progress_at    TEXT    NULL,
                    expires_at        TEXT    NULL,
                    finalizing_at     TEXT    NULL,
                    completed_at      TEXT    NULL,
                    failed_at         TEXT    NULL,
                    expired_at        TEXT    NULL,
                    cancelling_at     TEXT    NULL,
                    cancelled_at      TEXT    NULL
                ) STRICT;
                CREATE INDEX batches_created ON batches (created_at, id);
                """,
            Postgres: """
                CREATE TABLE jobs (
                    id               text        NOT NULL PRIMARY KEY,
                    kind             text        NOT NULL,
                    payload          text        NOT NULL,
                    status           text        NOT NULL,
                    attempts         integer     NOT NULL DEFAULT 0,
                    max_attempts     integer     NOT NULL,
                    lease_owner      text        NULL,
                    lease_expires_at timestamptz NULL,
                    heartbeat_at     timestamptz NULL,
                    cancel_requested boolean     NOT NULL DEFAULT false,
                    progress         text        NULL,
                    error            text        NULL,
                    run_after        timestamptz NOT NULL,
                    created_at       timestamptz NOT NULL,
                    started_at       timestamptz NULL,
                    finished_at      timestamptz NULL,
                    updated_at       timestamptz NOT NULL
                );
                CREATE INDEX jobs_claimable ON jobs (status, run_after);
                CREATE INDEX jobs_created ON jobs (created_at, id);
                CREATE TABLE job_checkpoints (
                    job_id     text        NOT NULL,
                    item       bigint      NOT NULL,
                    succeeded  boolean     NOT NULL,
                    result     text        NOT NULL,
                    worker     text        NULL,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (job_id, item)
                );
                CREATE TABLE job_computations (
                    job_id          text        NOT NULL,
                    item            bigint      NOT NULL,
                    computations    integer     NOT NULL,
                    last_worker     text        NULL,
                    last_started_at timestamptz NOT NULL,
                    PRIMARY KEY (job_id, item)
                );
                CREATE TABLE job_events (
                    seq    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    job_id text        NOT NULL,
                    at     timestamptz NOT NULL,
                    event  text        NOT NULL,
                    worker text        NULL,
                    detail text        NULL
                );
                CREATE INDEX job_events_job ON job_events (job_id, seq);
                CREATE TABLE files (
                    id         text        NOT NULL PRIMARY KEY,
                    purpose    text        NOT NULL,
                    filename   text        NOT NULL,
                    bytes      bigint      NOT NULL,
                    created_at timestamptz NOT NULL
                );
                CREATE INDEX files_created ON files (created_at, id);
                CREATE TABLE batches (
                    id                text        NOT NULL PRIMARY KEY,
                    endpoint          text        NOT NULL,
                    input_file_id     text        NOT NULL,
                    completion_window text        NOT NULL,
                    status            text        NOT NULL,
                    output_file_id    text        NULL,
                    error_file_id     text        NULL,
                    errors            text        NULL,
                    metadata          text        NULL,
                    request_total     integer     NOT NULL DEFAULT 0,
                    request_completed integer     NOT NULL DEFAULT 0,
                    request_failed    integer     NOT NULL DEFAULT 0,
                    created_at        timestamptz NOT NULL,
                    in_progress_at    timestamptz NULL,
                    expires_at        timestamptz NULL,
                    finalizing_at     timestamptz NULL,
                    completed_at      timestamptz NULL,
                    failed_at         timestamptz NULL,
                    expired_at        timestamptz NULL,
                    cancelling_at     timestamptz NULL,
                    cancelled_at      timestamptz NULL
                );
                CREATE INDEX batches_created ON batches (created_at, id);
                """),
        new(
            4,
            "job parts: finished parts of unfinished items (a routed batch line's expert answers)",
            Sqlite: """
                CREATE TABLE job_partials (
                    job_id     TEXT    NOT NULL,
                    item       INTEGER NOT NULL,
                    part       INTEGER NOT NULL,
                    result     TEXT    NOT NULL,
                    worker     TEXT    NULL,
                    created_at TEXT    NOT NULL,
                    PRIMARY KEY (job_id, item, part)
                ) STRICT;
                """,
            Postgres: """
                CREATE TABLE job_partials (
                    job_id     text        NOT NULL,
                    item       bigint      NOT NULL,
                    part       integer     NOT NULL,
                    result     text        NOT NULL,
                    worker     text        NULL,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (job_id, item, part)
                );
                """),
    ];

    public static int LatestVersion => All[^1].Version;
}
