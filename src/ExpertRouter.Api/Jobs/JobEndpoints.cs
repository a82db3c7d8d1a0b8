using ExpertRouter.Api.Profiling;
using ExpertRouter.Core.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExpertRouter.Api.Jobs;

/// <summary><c>/api/jobs</c>: the durable job queue (batches, profiling runs): list, detail with progress and history, items, cancel, retry.</summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").WithTags("Jobs");

        jobs.MapGet("/", async (IJobStore store, string? kind, JobStatus? status, string? after, int? limit, CancellationToken ct) =>
            TypedResults.Ok((await store.ListAsync(new JobQuery(kind, status, after, Math.Clamp(limit ?? 50, 1, 1000)), ct)).Select(JobDto.From).ToList()))
            .WithSummary("List jobs, newest first (?kind=batch|profiling, ?status=queued|running|completed|failed|cancelled, ?after=<job id>, ?limit)");

        jobs.MapGet("/{id}", async Task<Results<Ok<JobDetailDto>, NotFound<ProblemLite>>> (string id, IJobStore store, CancellationToken ct) =>
        {
            var job = await store.GetAsync(id, ct);
            if (job is null)
            {
                return TypedResults.NotFound(new ProblemLite(404, $"Job '{id}' does not exist."));
            }

            var items = await store.GetItemsAsync(id, ct);
            var summary = new JobItemSummary(
                items.Count(i => i.Computations > 0),
                items.Count(i => i.Succeeded == true),
                items.Count(i => i.Succeeded == false),
                items.Count(i => i.Computations > 1),
                items.Sum(i => i.Computations));
            return TypedResults.Ok(new JobDetailDto(JobDto.From(job), summary, await store.GetEventsAsync(id, ct)));
        })
        .WithSummary("A job with its progress (for batches: phase, lines done/total, per expert lines done and ETA), item summary and history");

        jobs.MapGet("/{id}/items", async Task<Results<Ok<IReadOnlyList<JobItemState>>, NotFound<ProblemLite>>> (string id, IJobStore store, CancellationToken ct) =>
            await store.GetAsync(id, ct) is null
                ? TypedResults.NotFound(new ProblemLite(404, $"Job '{id}' does not exist."))
                : TypedResults.Ok(await store.GetItemsAsync(id, ct)))
            .WithSummary("Per item (batch line): how many times its computation started, who finished it and whether it succeeded");

        jobs.MapPost("/{id}/cancel", async Task<Results<Ok<JobDto>, NotFound<ProblemLite>, Conflict<ProblemLite>>> (string id, JobService service, CancellationToken ct) =>
            Result(id, await service.CancelAsync(id, ct)))
            .WithSummary("Cancel a queued or running job (a batch keeps the lines finished so far)");

        jobs.MapPost("/{id}/retry", async Task<Results<Ok<JobDto>, NotFound<ProblemLite>, Conflict<ProblemLite>>> (string id, bool? failedItems, JobService service, CancellationToken ct) =>
            Result(id, await service.RetryAsync(id, failedItems == true, ct)))
            .WithSummary("Run a finished job again: finished items are kept; ?failedItems=true also re-runs the items (batch lines) that failed");
        return app;
    }

    private static Results<Ok<JobDto>, NotFound<ProblemLite>, Conflict<ProblemLite>> Result(string id, JobActionResult result) =>
        result.NotFound ? TypedResults.NotFound(new ProblemLite(404, $"Job '{id}' does not exist."))
        : result.Conflict is { } conflict ? TypedResults.Conflict(new ProblemLite(409, conflict))
        : TypedResults.Ok(JobDto.From(result.Job!));
}
