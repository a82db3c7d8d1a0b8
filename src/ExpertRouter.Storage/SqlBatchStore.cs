using System.Text.Json;
using Dapper;
using ExpertRouter.Core.Batches;
using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Storage;

/// <summary>
/// <see cref="IBatchStore"/> on SQLite or PostgreSQL. A batch and the job that executes it are created
/// in one transaction; status changes are conditional on the current status, so a cancellation and
/// the worker's own transitions cannot overwrite each other.
/// </summary>
public sealed class SqlBatchStore(IDatabase database, TimeProvider? timeProvider = null) : IBatchStore
{
    private const string FileColumns = "id AS Id, purpose AS Purpose, filename AS Filename, bytes AS Bytes, created_at AS CreatedAt";

    private const string BatchColumns =
        "id AS Id, endpoint AS Endpoint, input_file_id AS InputFileId, completion_window AS CompletionWindow, status AS Status, " +
        "output_file_id AS OutputFileId, error_file_id AS ErrorFileId, errors AS Errors, metadata AS Metadata, request_total AS Total, " +
        "request_completed AS Completed, request_failed AS Failed, created_at AS CreatedAt, in_progress_at AS InProgressAt, expires_at AS ExpiresAt, " +
        "finalizing_at AS FinalizingAt, completed_at AS CompletedAt, failed_at AS FailedAt, expired_at AS ExpiredAt, cancelling_at AS CancellingAt, " +
        "cancelled_at AS CancelledAt";

    private static readonly HashSet<string> Statuses =
    [
        BatchStatuses.Validating, BatchStatuses.Failed, BatchStatuses.InProgress, BatchStatuses.Finalizing,
        BatchStatuses.Completed, BatchStatuses.Expired, BatchStatuses.Cancelling, BatchStatuses.Cancelled,
    ];

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly bool _postgres = database.Provider == StorageProvider.Postgres;

    public Task AddFileAsync(StoredFile file, CancellationToken cancellationToken = default) =>
        WriteFileAsync(file, "ON CONFLICT (id) DO NOTHING", cancellationToken);

    public Task UpsertFileAsync(StoredFile file, CancellationToken cancellationToken = default) =>
        WriteFileAsync(file, "ON CONFLICT (id) DO UPDATE SET purpose = excluded.purpose, filename = excluded.filename, bytes = excluded.bytes, created_at = excluded.created_at", cancellationToken);

    public async Task<StoredFile?> GetFileAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<FileRow>(new CommandDefinition(
            $"SELECT {FileColumns} FROM files WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToFile();
    }

    public async Task<IReadOnlyList<StoredFile>> ListFilesAsync(string? purpose, string? after, int limit, bool ascending, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        if (purpose is not null)
        {
            where.Add("purpose = @purpose");
        }

        if (after is not null)
        {
            var op = ascending ? ">" : "<";
            where.Add(SqlValues.Beyond("files", op, "@after"));
        }

        var order = ascending ? "ASC" : "DESC";
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<FileRow>(new CommandDefinition(
            $"SELECT {FileColumns} FROM files{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY created_at {order}, id {order} LIMIT @limit",
            new { purpose, after, limit = Math.Clamp(limit, 1, 10_000) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToFile())];
    }

    public async Task<bool> DeleteFileAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM files WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    public async Task CreateBatchAsync(BatchRecord batch, NewJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(job);
        var now = batch.CreatedAt == default ? _time.GetUtcNow() : batch.CreatedAt;
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO batches (id, endpoint, input_file_id, completion_window, status, metadata, request_total, request_completed, request_failed, created_at, expires_at) " +
            "VALUES (@Id, @Endpoint, @InputFileId, @CompletionWindow, @Status, @Metadata, 0, 0, 0, @CreatedAt, @ExpiresAt)",
            new
            {
                batch.Id,
                batch.Endpoint,
                batch.InputFileId,
                batch.CompletionWindow,
                batch.Status,
                Metadata = batch.Metadata is null ? null : JsonSerializer.Serialize(batch.Metadata),
                CreatedAt = Ts(now),
                ExpiresAt = SqlValues.Ts(_postgres, batch.ExpiresAt),
            }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (!await SqlJobStore.InsertAsync(connection, tx, job, now, _postgres, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"A job with id '{job.Id}' exists already.");
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<BatchRecord?> GetBatchAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition(
            $"SELECT {BatchColumns} FROM batches WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<BatchRecord>> ListBatchesAsync(string? after, int limit, CancellationToken cancellationToken = default)
    {
        var where = after is null ? "" : " WHERE " + SqlValues.Beyond("batches", "<", "@after");
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<BatchRow>(new CommandDefinition(
            $"SELECT {BatchColumns} FROM batches{where} ORDER BY created_at DESC, id DESC LIMIT @limit",
            new { after, limit = Math.Clamp(limit, 1, 10_000) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    public async Task<bool> TrySetStatusAsync(string id, string status, IReadOnlyCollection<string> from, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(from);
        var stamp = StampFor(status, nameof(status));
        if (from.Count == 0)
        {
            return false;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE batches SET status = @status{stamp} WHERE id = @id AND {(_postgres ? "status = ANY(@from)" : "status IN @from")}",
            new { id, status, from = from.ToArray(), now = Ts(_time.GetUtcNow()) }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// The SET fragment stamping the time a batch reached <paramref name="status"/> (none for "validating", which has no
    /// column). The column name comes from the fixed status set, never from input: anything else throws.
    /// </summary>
    private static string StampFor(string status, string paramName) =>
        !Statuses.Contains(status) ? throw new ArgumentOutOfRangeException(paramName, status, "Not a batch status.")
        : status == BatchStatuses.Validating ? "" : $", {status}_at = @now";

    public async Task UpdateCountsAsync(string id, int total, int completed, int failed, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE batches SET request_total = @total, request_completed = @completed, request_failed = @failed WHERE id = @id",
            new { id, total, completed, failed }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task FinishAsync(BatchRecord batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var stamp = StampFor(batch.Status, nameof(batch));
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE batches SET status = @Status, output_file_id = @OutputFileId, error_file_id = @ErrorFileId, errors = @Errors, " +
            $"request_total = @Total, request_completed = @Completed, request_failed = @Failed{stamp} WHERE id = @Id",
            new { batch.Id, batch.Status, batch.OutputFileId, batch.ErrorFileId, batch.Errors, batch.Total, batch.Completed, batch.Failed, now = Ts(_time.GetUtcNow()) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<bool> ReopenAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE batches SET status = 'validating', output_file_id = NULL, error_file_id = NULL, errors = NULL, finalizing_at = NULL, completed_at = NULL, " +
            "failed_at = NULL, expired_at = NULL, cancelling_at = NULL, cancelled_at = NULL " +
            "WHERE id = @id AND status IN ('completed', 'failed', 'cancelled', 'expired')",
            new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    private async Task WriteFileAsync(StoredFile file, string conflict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO files (id, purpose, filename, bytes, created_at) VALUES (@Id, @Purpose, @Filename, @Bytes, @CreatedAt) {conflict}",
            new { file.Id, file.Purpose, file.Filename, file.Bytes, CreatedAt = Ts(file.CreatedAt == default ? _time.GetUtcNow() : file.CreatedAt) },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private object Ts(DateTimeOffset value) => SqlValues.Ts(_postgres, value);

    private sealed class FileRow
    {
        public string Id { get; set; } = "";

        public string Purpose { get; set; } = "";

        public string Filename { get; set; } = "";

        public long Bytes { get; set; }

        public object CreatedAt { get; set; } = "";

        public StoredFile ToFile() => new(Id, Purpose, Filename, Bytes, SqlValues.ReadTs(CreatedAt));
    }

    private sealed class BatchRow
    {
        public string Id { get; set; } = "";

        public string Endpoint { get; set; } = "";

        public string InputFileId { get; set; } = "";

        public string CompletionWindow { get; set; } = "";

        public string Status { get; set; } = "";

        public string? OutputFileId { get; set; }

        public string? ErrorFileId { get; set; }

        public string? Errors { get; set; }

        public string? Metadata { get; set; }

        public long Total { get; set; }

        public long Completed { get; set; }

        public long Failed { get; set; }

        public object CreatedAt { get; set; } = "";

        public object? InProgressAt { get; set; }

        public object? ExpiresAt { get; set; }

        public object? FinalizingAt { get; set; }

        public object? CompletedAt { get; set; }

        public object? FailedAt { get; set; }

        public object? ExpiredAt { get; set; }

        public object? CancellingAt { get; set; }

        public object? CancelledAt { get; set; }

        public BatchRecord ToRecord() => new()
        {
            Id = Id,
            Endpoint = Endpoint,
            InputFileId = InputFileId,
            CompletionWindow = CompletionWindow,
            Status = Status,
            OutputFileId = OutputFileId,
            ErrorFileId = ErrorFileId,
            Errors = Errors,
            Metadata = Metadata is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(Metadata),
            Total = (int)Total,
            Completed = (int)Completed,
            Failed = (int)Failed,
            CreatedAt = SqlValues.ReadTs(CreatedAt),
            InProgressAt = SqlValues.ReadTsOrNull(InProgressAt),
            ExpiresAt = SqlValues.ReadTsOrNull(ExpiresAt),
            FinalizingAt = SqlValues.ReadTsOrNull(FinalizingAt),
            CompletedAt = SqlValues.ReadTsOrNull(CompletedAt),
            FailedAt = SqlValues.ReadTsOrNull(FailedAt),
            ExpiredAt = SqlValues.ReadTsOrNull(ExpiredAt),
            CancellingAt = SqlValues.ReadTsOrNull(CancellingAt),
            CancelledAt = SqlValues.ReadTsOrNull(CancelledAt),
        };
    }
}
