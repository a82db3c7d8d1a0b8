using System.Globalization;
using System.Text.Json;
using ExpertRouter.Api.Batch.Contracts;
using ExpertRouter.Api.Jobs;
using ExpertRouter.Api.OpenAi;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Batches;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExpertRouter.Api.Batch;

/// <summary>OpenAI's <c>/v1/batches</c> (create, retrieve, list, cancel), plus <c>/v1/files</c> and <c>/api/jobs</c>.</summary>
public static class BatchEndpoints
{
    private static readonly string[] Endpoints = [OpenAiOperations.ChatEndpoint, OpenAiOperations.EmbeddingsEndpoint];

    /// <summary>Maps <c>/v1/batches</c>.</summary>
    public static IEndpointRouteBuilder MapBatchesApi(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroup("/v1/batches").WithTags("OpenAI-compatible: batches");

        batches.MapPost("/", CreateAsync)
            .WithSummary("Create a batch from an uploaded JSONL file (endpoint /v1/chat/completions or /v1/embeddings)")
            .WithDescription("Runs in the background on the durable job queue, lines grouped by expert (each expert loaded once, its lines decoded in shared batches). " +
                "Poll GET /v1/batches/{id}; progress per phase and expert is in expert_router.progress and at /api/jobs/{id}. " +
                "Output lines are in input order; each custom_id appears exactly once in the output or the error file.")
            .Accepts<CreateBatchRequest>("application/json")
            .Produces<BatchObjectDto>()
            .Produces<OpenAiErrorDto>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound);

        batches.MapGet("/", async (IBatchStore store, string? after, int? limit, CancellationToken ct) =>
        {
            var take = Math.Clamp(limit ?? 20, 1, 100);
            var page = await store.ListBatchesAsync(after, take + 1, ct);
            return TypedResults.Json(ListPageDto.Create(page, take, b => ToDto(b, null), b => b.Id), OpenAiJson.Options);
        })
        .WithSummary("List batches, newest first (?after=<batch id>&limit=1..100)")
        .Produces<ListPageDto<BatchObjectDto>>();

        batches.MapGet("/{id}", async (string id, IBatchStore store, JobService jobs, CancellationToken ct) =>
        {
            var batch = await RequireAsync(store, id, ct);
            var job = await jobs.Store.GetAsync(id, ct);
            return TypedResults.Json(ToDto(batch, job), OpenAiJson.Options);
        })
        .WithSummary("Retrieve a batch (request_counts; expert_router.progress: phase, per-expert lines done, ETA)")
        .Produces<BatchObjectDto>()
        .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound);

        batches.MapPost("/{id}/cancel", async (string id, IBatchStore store, JobService jobs, CancellationToken ct) =>
        {
            var batch = await RequireAsync(store, id, ct);
            Core.Jobs.JobRecord? job = null;
            if (batch.Status is BatchStatuses.Validating or BatchStatuses.InProgress)
            {
                job = (await jobs.CancelAsync(id, ct)).Job;
                batch = await RequireAsync(store, id, ct);
            }
            else if (batch.Status is not (BatchStatuses.Cancelling or BatchStatuses.Cancelled))
            {
                throw new OpenAiException(409, $"Batch '{id}' is {batch.Status} and can no longer be cancelled.", null, "batch_not_cancellable");
            }

            return TypedResults.Json(ToDto(batch, job ?? await jobs.Store.GetAsync(id, ct)), OpenAiJson.Options);
        })
        .WithSummary("Cancel a batch: status cancelling, then cancelled; lines finished so far are kept in the output file")
        .Produces<BatchObjectDto>()
        .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound)
        .Produces<OpenAiErrorDto>(StatusCodes.Status409Conflict);
        return app;
    }

    public static BatchObjectDto ToDto(BatchRecord batch, Core.Jobs.JobRecord? job)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return new BatchObjectDto
        {
            Id = batch.Id,
            Endpoint = batch.Endpoint,
            Errors = JobDto.Parse(batch.Errors),
            InputFileId = batch.InputFileId,
            CompletionWindow = batch.CompletionWindow,
            Status = batch.Status,
            OutputFileId = batch.OutputFileId,
            ErrorFileId = batch.ErrorFileId,
            CreatedAt = batch.CreatedAt.ToUnixTimeSeconds(),
            InProgressAt = batch.InProgressAt?.ToUnixTimeSeconds(),
            ExpiresAt = batch.ExpiresAt?.ToUnixTimeSeconds(),
            FinalizingAt = batch.FinalizingAt?.ToUnixTimeSeconds(),
            CompletedAt = batch.CompletedAt?.ToUnixTimeSeconds(),
            FailedAt = batch.FailedAt?.ToUnixTimeSeconds(),
            ExpiredAt = batch.ExpiredAt?.ToUnixTimeSeconds(),
            CancellingAt = batch.CancellingAt?.ToUnixTimeSeconds(),
            CancelledAt = batch.CancelledAt?.ToUnixTimeSeconds(),
            RequestCounts = new BatchRequestCountsDto { Total = batch.Total, Completed = batch.Completed, Failed = batch.Failed },
            Metadata = batch.Metadata,
            ExpertRouter = job is null ? null : new
            {
                job = "/api/jobs/" + job.Id,
                job_status = job.Status.ToString().ToLowerInvariant(),
                attempts = job.Attempts,
                worker = job.LeaseOwner,
                progress = JobDto.Parse(job.Progress),
            },
        };
    }

    private static async Task<JsonHttpResult<BatchObjectDto>> CreateAsync(HttpContext context, IBatchStore store, JobService jobs, TimeProvider time)
    {
        var ct = context.RequestAborted;
        ErrorMapper.LimitBody(context, 1024 * 1024);
        var body = await JsonSerializer.DeserializeAsync<CreateBatchRequest>(context.Request.Body, OpenAiJson.Options, ct).ConfigureAwait(false)
            ?? throw OpenAiException.Invalid("The request body must be a JSON object.", null, "invalid_json");
        if (string.IsNullOrWhiteSpace(body.InputFileId))
        {
            throw OpenAiException.Invalid("'input_file_id' is required.", "input_file_id", "missing_required_parameter");
        }

        if (string.IsNullOrWhiteSpace(body.Endpoint))
        {
            throw OpenAiException.Invalid("'endpoint' is required.", "endpoint", "missing_required_parameter");
        }

        if (!Endpoints.Contains(body.Endpoint, StringComparer.Ordinal))
        {
            throw OpenAiException.Invalid($"'endpoint' '{body.Endpoint}' is not supported; use {string.Join(" or ", Endpoints)}.", "endpoint", "unsupported_value");
        }

        var window = body.CompletionWindow ?? "24h";
        if (!TryParseWindow(window, out var duration))
        {
            throw OpenAiException.Invalid($"'completion_window' must be a number of hours such as '24h' (1h to 720h); got '{window}'.", "completion_window");
        }

        ValidateMetadata(body.Metadata);
        var file = (BatchFileStorage.IsValidId(body.InputFileId) ? await store.GetFileAsync(body.InputFileId, ct).ConfigureAwait(false) : null)
            ?? throw new OpenAiException(404, $"No such File object: {body.InputFileId}", "input_file_id", "file_not_found");
        if (file.Purpose != "batch")
        {
            throw OpenAiException.Invalid($"File '{file.Id}' has purpose '{file.Purpose}'; a batch needs a file uploaded with purpose 'batch'.", "input_file_id", "invalid_file_purpose");
        }

        var now = time.GetUtcNow();
        var batch = new BatchRecord
        {
            Id = "batch_" + Guid.NewGuid().ToString("N"),
            Endpoint = body.Endpoint,
            InputFileId = file.Id,
            CompletionWindow = window,
            Metadata = body.Metadata,
            CreatedAt = now,
            ExpiresAt = now + duration,
        };
        await store.CreateBatchAsync(batch, jobs.Create(batch.Id, BatchJobHandler.JobKind, BatchJobHandler.Payload(batch.Id)), ct).ConfigureAwait(false);
        jobs.Notify();
        var created = await store.GetBatchAsync(batch.Id, ct).ConfigureAwait(false) ?? batch;
        return TypedResults.Json(ToDto(created, await jobs.Store.GetAsync(batch.Id, ct).ConfigureAwait(false)), OpenAiJson.Options);
    }

    private static bool TryParseWindow(string window, out TimeSpan duration)
    {
        duration = default;
        if (window.Length < 2 || window[^1] != 'h' || !int.TryParse(window.AsSpan(0, window.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var hours) || hours is < 1 or > 720)
        {
            return false;
        }

        duration = TimeSpan.FromHours(hours);
        return true;
    }

    private static void ValidateMetadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        if (metadata.Count > 16 || metadata.Any(p => p.Key.Length is 0 or > 64 || p.Value is null || p.Value.Length > 512))
        {
            throw OpenAiException.Invalid("'metadata' takes at most 16 pairs, keys of 1-64 characters and values of at most 512.", "metadata");
        }
    }

    private static async Task<BatchRecord> RequireAsync(IBatchStore store, string id, CancellationToken ct) =>
        await store.GetBatchAsync(id, ct).ConfigureAwait(false) ?? throw new OpenAiException(404, $"No such Batch object: {id}", "batch_id", "batch_not_found");
}
