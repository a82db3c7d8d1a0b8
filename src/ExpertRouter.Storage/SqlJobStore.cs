using System.Data.Common;
using System.Globalization;
using Dapper;
using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Storage;

/// <summary>
/// <see cref="IJobStore"/> on SQLite or PostgreSQL. Claiming is one atomic statement: on SQLite a
/// single <c>UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING</c> (SQLite has one writer at a time,
/// so two claimers can never pick the same row); on PostgreSQL <c>SELECT ... FOR UPDATE SKIP LOCKED</c>
/// inside the <c>UPDATE</c>, so concurrent workers on several machines skip each other's rows
/// instead of waiting. Every later write of a worker (heartbeat, progress, finish, release) is
/// conditional on <c>lease_owner</c>, so a worker that lost its lease cannot overwrite the new owner.
/// Checkpoints and parts are <c>INSERT ... ON CONFLICT DO NOTHING</c> (first write wins).
/// </summary>
public sealed class SqlJobStore(IDatabase database, TimeProvider? timeProvider = null) : IJobStore
{
    private const string Columns =
        "id AS Id, kind AS Kind, payload AS Payload, status AS Status, attempts AS Attempts, max_attempts AS MaxAttempts, " +
        "lease_owner AS LeaseOwner, lease_expires_at AS LeaseExpiresAt, heartbeat_at AS HeartbeatAt, cancel_requested AS CancelRequested, " +
        "progress AS Progress, error AS Error, run_after AS RunAfter, created_at AS CreatedAt, started_at AS StartedAt, " +
        "finished_at AS FinishedAt, updated_at AS UpdatedAt";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly bool _postgres = database.Provider == StorageProvider.Postgres;

    /// <summary>The claim statement of this dialect, built once (workers run it every poll).</summary>
    private readonly string _claimSql = ClaimSql(database.Provider == StorageProvider.Postgres);

    public async Task<bool> EnqueueAsync(NewJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var added = await InsertAsync(connection, tx, job, _time.GetUtcNow(), _postgres, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>Inserts a queued job and its "enqueued" event within the caller's transaction (also used when a batch is created).</summary>
    internal static async Task<bool> InsertAsync(DbConnection connection, DbTransaction tx, NewJob job, DateTimeOffset now, bool postgres, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job.Id);
        ArgumentException.ThrowIfNullOrWhiteSpace(job.Kind);
        var ts = SqlValues.Ts(postgres, now);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, cancel_requested, run_after, created_at, updated_at) " +
            "VALUES (@Id, @Kind, @Payload, 'queued', 0, @MaxAttempts, @No, @Ts, @Ts, @Ts) ON CONFLICT (id) DO NOTHING",
            new { job.Id, job.Kind, job.Payload, MaxAttempts = Math.Max(1, job.MaxAttempts), No = SqlValues.Bool(postgres, false), Ts = ts }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (n > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO job_events (job_id, at, event, worker, detail) VALUES (@Id, @Ts, 'enqueued', NULL, @Kind)",
                new { job.Id, Ts = ts, job.Kind }, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        return n > 0;
    }

    public async Task<JobRecord?> ClaimAsync(string worker, IReadOnlyCollection<string> kinds, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(worker);
        ArgumentNullException.ThrowIfNull(kinds);
        if (kinds.Count == 0)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var p = new { worker, kinds = kinds.ToArray(), now = Ts(now), expires = Ts(now + lease) };
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(_claimSql, p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var job = row.ToRecord();
        await InsertEventAsync(connection, null, job.Id, "claimed", worker, string.Create(CultureInfo.InvariantCulture, $"attempt {job.Attempts} of {job.MaxAttempts}"), p.now, cancellationToken).ConfigureAwait(false);
        return job;
    }

    public async Task<JobHeartbeat> HeartbeatAsync(string jobId, string worker, TimeSpan lease, string? progress = null, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var cancel = await connection.ExecuteScalarAsync<object?>(new CommandDefinition(
            "UPDATE jobs SET heartbeat_at = @now, lease_expires_at = @expires, updated_at = @now, progress = COALESCE(@progress, progress) " +
            "WHERE id = @jobId AND lease_owner = @worker AND status = 'running' RETURNING cancel_requested",
            new { jobId, worker, progress, now = Ts(now), expires = Ts(now + lease) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return ToHeartbeat(cancel);
    }

    public async Task<JobHeartbeat> UpdateProgressAsync(string jobId, string worker, string progress, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var cancel = await connection.ExecuteScalarAsync<object?>(new CommandDefinition(
            "UPDATE jobs SET progress = @progress, updated_at = @now WHERE id = @jobId AND lease_owner = @worker AND status = 'running' RETURNING cancel_requested",
            new { jobId, worker, progress, now = Ts(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return ToHeartbeat(cancel);
    }

    public async Task<bool> FinishAsync(string jobId, string worker, JobStatus status, string? errorMessage, string? progress = null, CancellationToken cancellationToken = default)
    {
        if (status is JobStatus.Queued or JobStatus.Running)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A job finishes as completed, failed or cancelled.");
        }

        var now = Ts(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET status = @status, error = @error, progress = COALESCE(@progress, progress), finished_at = @now, updated_at = @now, lease_expires_at = NULL " +
            "WHERE id = @jobId AND lease_owner = @worker AND status = 'running'",
            new { jobId, worker, status = Name(status), error = errorMessage, progress, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (n > 0)
        {
            await InsertEventAsync(connection, tx, jobId, Name(status), worker, errorMessage, now, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return n > 0;
    }

    public async Task<bool> ReleaseAsync(string jobId, string worker, DateTimeOffset runAfter, string? errorMessage, bool countAttempt, CancellationToken cancellationToken = default)
    {
        var now = Ts(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, run_after = @runAfter, error = @error, " +
            "attempts = CASE WHEN attempts > 0 THEN attempts - @giveBack ELSE 0 END, updated_at = @now " +
            "WHERE id = @jobId AND lease_owner = @worker AND status = 'running'",
            new { jobId, worker, runAfter = Ts(runAfter), error = errorMessage, giveBack = countAttempt ? 0 : 1, now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (n > 0)
        {
            var detail = countAttempt
                ? string.Create(CultureInfo.InvariantCulture, $"retry not before {SqlTimestamps.ToSqliteText(runAfter)}: {errorMessage}")
                : "released without counting the attempt (shutdown)";
            await InsertEventAsync(connection, tx, jobId, countAttempt ? "retry-scheduled" : "released", worker, detail, now, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return n > 0;
    }

    public async Task<bool> RequestCancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var now = Ts(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET cancel_requested = @yes, updated_at = @now WHERE id = @jobId AND status IN ('queued', 'running')",
            new { jobId, yes = SqlValues.Bool(_postgres, true), now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (n > 0)
        {
            await InsertEventAsync(connection, tx, jobId, "cancel-requested", null, null, now, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return n > 0;
    }

    public async Task<bool> RequeueAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var now = Ts(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET status = 'queued', attempts = 0, cancel_requested = @no, error = NULL, run_after = @now, lease_owner = NULL, " +
            "lease_expires_at = NULL, finished_at = NULL, updated_at = @now WHERE id = @jobId AND status IN ('completed', 'failed', 'cancelled')",
            new { jobId, no = SqlValues.Bool(_postgres, false), now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (n > 0)
        {
            await InsertEventAsync(connection, tx, jobId, "requeued", null, null, now, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return n > 0;
    }

    public async Task<IReadOnlyList<string>> FailAbandonedAsync(CancellationToken cancellationToken = default)
    {
        var now = Ts(_time.GetUtcNow());
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var ids = (await connection.QueryAsync<string>(new CommandDefinition(
            "UPDATE jobs SET status = 'failed', error = 'the worker stopped heartbeating and no attempts are left', finished_at = @now, updated_at = @now " +
            "WHERE status = 'running' AND lease_expires_at < @now AND attempts >= max_attempts RETURNING id",
            new { now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        foreach (var id in ids)
        {
            await InsertEventAsync(connection, tx, id, "failed", null, "lease expired with no attempts left", now, cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    public async Task<JobRecord?> GetAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE id = @jobId", new { jobId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<JobRecord>> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new List<string>();
        if (query.Kind is not null)
        {
            where.Add("kind = @Kind");
        }

        if (query.Status is not null)
        {
            where.Add("status = @Status");
        }

        if (query.After is not null)
        {
            where.Add(SqlValues.Beyond("jobs", "<", "@After"));
        }

        var sql = $"SELECT {Columns} FROM jobs{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY created_at DESC, id DESC LIMIT @Limit";
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<JobRow>(new CommandDefinition(sql, new
        {
            query.Kind,
            Status = query.Status is { } s ? Name(s) : null,
            query.After,
            Limit = Math.Clamp(query.Limit, 1, 1000),
        }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<int> BeginItemAsync(string jobId, long item, string worker, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO job_computations (job_id, item, computations, last_worker, last_started_at) VALUES (@jobId, @item, 1, @worker, @now) " +
            "ON CONFLICT (job_id, item) DO UPDATE SET computations = job_computations.computations + 1, last_worker = excluded.last_worker, " +
            "last_started_at = excluded.last_started_at RETURNING computations",
            new { jobId, item, worker, now = Ts(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (int)count;
    }

    public async Task<bool> SaveCheckpointAsync(JobCheckpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var stored = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO job_checkpoints (job_id, item, succeeded, result, worker, created_at) VALUES (@JobId, @Item, @Succeeded, @Result, @Worker, @CreatedAt) " +
            "ON CONFLICT (job_id, item) DO NOTHING",
            new
            {
                checkpoint.JobId,
                checkpoint.Item,
                Succeeded = SqlValues.Bool(_postgres, checkpoint.Succeeded),
                checkpoint.Result,
                checkpoint.Worker,
                CreatedAt = Ts(checkpoint.CreatedAt == default ? _time.GetUtcNow() : checkpoint.CreatedAt),
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM job_partials WHERE job_id = @JobId AND item = @Item", new { checkpoint.JobId, checkpoint.Item }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    public async Task<bool> SavePartialAsync(JobPartial part, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO job_partials (job_id, item, part, result, worker, created_at) SELECT @JobId, @Item, @Part, @Result, @Worker, @CreatedAt " +
            "WHERE NOT EXISTS (SELECT 1 FROM job_checkpoints WHERE job_id = @JobId AND item = @Item) " +
            "ON CONFLICT (job_id, item, part) DO NOTHING",
            new
            {
                part.JobId,
                part.Item,
                part.Part,
                part.Result,
                part.Worker,
                CreatedAt = Ts(part.CreatedAt == default ? _time.GetUtcNow() : part.CreatedAt),
            }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<JobPartial>> GetPartialsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<PartialRow>(new CommandDefinition(
            "SELECT job_id AS JobId, item AS Item, part AS Part, result AS Result, worker AS Worker, created_at AS CreatedAt " +
            "FROM job_partials WHERE job_id = @jobId ORDER BY item, part", new { jobId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new JobPartial(r.JobId, r.Item, (int)r.Part, r.Result, r.Worker, SqlValues.ReadTs(r.CreatedAt)))];
    }

    public async Task<IReadOnlyList<JobCheckpoint>> GetCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CheckpointRow>(new CommandDefinition(
            "SELECT job_id AS JobId, item AS Item, succeeded AS Succeeded, result AS Result, worker AS Worker, created_at AS CreatedAt " +
            "FROM job_checkpoints WHERE job_id = @jobId ORDER BY item", new { jobId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new JobCheckpoint(r.JobId, r.Item, SqlValues.ToBool(r.Succeeded), r.Result, r.Worker, SqlValues.ReadTs(r.CreatedAt)))];
    }

    public async Task<int> DeleteCheckpointsAsync(string jobId, bool failedOnly, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            failedOnly ? "DELETE FROM job_checkpoints WHERE job_id = @jobId AND succeeded = @no" : "DELETE FROM job_checkpoints WHERE job_id = @jobId",
            new { jobId, no = SqlValues.Bool(_postgres, false) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!failedOnly)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM job_partials WHERE job_id = @jobId", new { jobId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    public async Task<IReadOnlyList<JobItemState>> GetItemsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var computations = (await connection.QueryAsync<ComputationRow>(new CommandDefinition(
            "SELECT item AS Item, computations AS Computations, last_worker AS LastWorker FROM job_computations WHERE job_id = @jobId",
            new { jobId }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(r => r.Item);
        var parts = (await connection.QueryAsync<PartCountRow>(new CommandDefinition(
            "SELECT item AS Item, COUNT(*) AS Parts FROM job_partials WHERE job_id = @jobId GROUP BY item",
            new { jobId }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(r => r.Item, r => (int)r.Parts);
        // The checkpoints' state only, not their results (whole output lines).
        var checkpoints = (await connection.QueryAsync<CheckpointRow>(new CommandDefinition(
            "SELECT item AS Item, succeeded AS Succeeded, worker AS Worker, created_at AS CreatedAt FROM job_checkpoints WHERE job_id = @jobId",
            new { jobId }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(r => r.Item);
        return [.. computations.Keys.Union(checkpoints.Keys).Union(parts.Keys).Order().Select(item =>
        {
            computations.TryGetValue(item, out var c);
            var finished = checkpoints.TryGetValue(item, out var k);
            return new JobItemState(item, (int)(c?.Computations ?? 0), c?.LastWorker, finished ? SqlValues.ToBool(k!.Succeeded) : null, k?.Worker,
                finished ? SqlValues.ReadTs(k!.CreatedAt) : null, parts.GetValueOrDefault(item));
        })];
    }

    public async Task<IReadOnlyList<JobEvent>> GetEventsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<EventRow>(new CommandDefinition(
            "SELECT seq AS Seq, job_id AS JobId, at AS At, event AS Event, worker AS Worker, detail AS Detail FROM job_events WHERE job_id = @jobId ORDER BY seq",
            new { jobId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new JobEvent(r.Seq, r.JobId, SqlValues.ReadTs(r.At), r.Event, r.Worker, r.Detail))];
    }

    /// <summary>The <c>cancel_requested</c> a lease-conditional update returned: null when the worker no longer owns the job.</summary>
    private static JobHeartbeat ToHeartbeat(object? cancel) =>
        cancel is null or DBNull ? new JobHeartbeat(false, false) : new JobHeartbeat(true, SqlValues.ToBool(cancel));

    private static async Task InsertEventAsync(DbConnection connection, DbTransaction? tx, string jobId, string eventName, string? worker, string? detail, object at, CancellationToken ct) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO job_events (job_id, at, event, worker, detail) VALUES (@jobId, @at, @eventName, @worker, @detail)",
            new { jobId, at, eventName, worker, detail }, tx, cancellationToken: ct)).ConfigureAwait(false);

    private object Ts(DateTimeOffset value) => SqlValues.Ts(_postgres, value);

    internal static string Name(JobStatus status) => status.ToString().ToLowerInvariant();

    private static string ClaimSql(bool postgres)
    {
        // PostgreSQL takes the kinds as one array parameter (Npgsql); Dapper expands the list for SQLite.
        var claimable = (postgres ? "kind = ANY(@kinds)" : "kind IN @kinds") +
            " AND ((status = 'queued' AND run_after <= @now) OR (status = 'running' AND lease_expires_at < @now AND attempts < max_attempts))";
        const string Set =
            "status = 'running', lease_owner = @worker, lease_expires_at = @expires, heartbeat_at = @now, attempts = attempts + 1, " +
            "started_at = COALESCE(started_at, @now), finished_at = NULL, updated_at = @now";
        return postgres
            ? $"WITH next AS (SELECT id FROM jobs WHERE {claimable} ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) " +
              $"UPDATE jobs SET {Set} FROM next WHERE jobs.id = next.id RETURNING {Qualified("jobs")}"
            : $"UPDATE jobs SET {Set} WHERE id = (SELECT id FROM jobs WHERE {claimable} ORDER BY created_at, id LIMIT 1) RETURNING {Columns}";
    }

    private static string Qualified(string table) => string.Join(", ", Columns.Split(", ").Select(c => table + "." + c));

    private sealed class JobRow
    {
        public string Id { get; set; } = "";

        public string Kind { get; set; } = "";

        public string Payload { get; set; } = "{}";

        public string Status { get; set; } = "";

        public long Attempts { get; set; }

        public long MaxAttempts { get; set; }

        public string? LeaseOwner { get; set; }

        public object? LeaseExpiresAt { get; set; }

        public object? HeartbeatAt { get; set; }

        public object? CancelRequested { get; set; }

        public string? Progress { get; set; }

        public string? Error { get; set; }

        public object RunAfter { get; set; } = "";

        public object CreatedAt { get; set; } = "";

        public object? StartedAt { get; set; }

        public object? FinishedAt { get; set; }

        public object UpdatedAt { get; set; } = "";

        public JobRecord ToRecord() => new()
        {
            Id = Id,
            Kind = Kind,
            Payload = Payload,
            Status = Enum.Parse<JobStatus>(Status, ignoreCase: true),
            Attempts = (int)Attempts,
            MaxAttempts = (int)MaxAttempts,
            LeaseOwner = LeaseOwner,
            LeaseExpiresAt = SqlValues.ReadTsOrNull(LeaseExpiresAt),
            HeartbeatAt = SqlValues.ReadTsOrNull(HeartbeatAt),
            CancelRequested = SqlValues.ToBool(CancelRequested),
            Progress = Progress,
            Error = Error,
            RunAfter = SqlValues.ReadTs(RunAfter),
            CreatedAt = SqlValues.ReadTs(CreatedAt),
            StartedAt = SqlValues.ReadTsOrNull(StartedAt),
            FinishedAt = SqlValues.ReadTsOrNull(FinishedAt),
            UpdatedAt = SqlValues.ReadTs(UpdatedAt),
        };
    }

    private sealed class CheckpointRow
    {
        public string JobId { get; set; } = "";

        public long Item { get; set; }

        public object? Succeeded { get; set; }

        public string Result { get; set; } = "";

        public string? Worker { get; set; }

        public object CreatedAt { get; set; } = "";
    }

    private sealed class PartialRow
    {
        public string JobId { get; set; } = "";

        public long Item { get; set; }

        public long Part { get; set; }

        public string Result { get; set; } = "";

        public string? Worker { get; set; }

        public object CreatedAt { get; set; } = "";
    }

    private sealed class PartCountRow
    {
        public long Item { get; set; }

        public long Parts { get; set; }
    }

    private sealed class ComputationRow
    {
        public long Item { get; set; }

        public long Computations { get; set; }

        public string? LastWorker { get; set; }
    }

    private sealed class EventRow
    {
        public long Seq { get; set; }

        public string JobId { get; set; } = "";

        public object At { get; set; } = "";

        public string Event { get; set; } = "";

        public string? Worker { get; set; }

        public string? Detail { get; set; }
    }
}
