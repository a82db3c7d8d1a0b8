using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Core.Batches;

/// <summary>Metadata of files (<c>/v1/files</c>) and batches (<c>/v1/batches</c>). Thread-safe.</summary>
public interface IBatchStore
{
    Task AddFileAsync(StoredFile file, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces a file row (a batch's output file, rewritten when the batch is finalised again).</summary>
    Task UpsertFileAsync(StoredFile file, CancellationToken cancellationToken = default);

    Task<StoredFile?> GetFileAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Files, newest first (or oldest first when <paramref name="ascending"/>), after the file <paramref name="after"/> in that order.</summary>
    Task<IReadOnlyList<StoredFile>> ListFilesAsync(string? purpose, string? after, int limit, bool ascending, CancellationToken cancellationToken = default);

    Task<bool> DeleteFileAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Stores the batch and enqueues the job that executes it, in one transaction.</summary>
    Task CreateBatchAsync(BatchRecord batch, NewJob job, CancellationToken cancellationToken = default);

    Task<BatchRecord?> GetBatchAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Batches, newest first, after the batch <paramref name="after"/>.</summary>
    Task<IReadOnlyList<BatchRecord>> ListBatchesAsync(string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the batch to <paramref name="status"/> (stamping the matching <c>*_at</c> time) when its
    /// current status is one of <paramref name="from"/>; false otherwise.
    /// </summary>
    Task<bool> TrySetStatusAsync(string id, string status, IReadOnlyCollection<string> from, CancellationToken cancellationToken = default);

    /// <summary>Updates <c>request_counts</c> while the batch runs.</summary>
    Task UpdateCountsAsync(string id, int total, int completed, int failed, CancellationToken cancellationToken = default);

    /// <summary>Ends the batch: final status (with its time), files, counts and errors.</summary>
    Task FinishAsync(BatchRecord batch, CancellationToken cancellationToken = default);

    /// <summary>Makes a finished batch runnable again (status validating; output files, errors and end times cleared).</summary>
    Task<bool> ReopenAsync(string id, CancellationToken cancellationToken = default);
}
