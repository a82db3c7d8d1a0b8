using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExpertRouter.Api.Profiling;

/// <summary>Validation sets, profiling runs and skill profiles under <c>/api</c>.</summary>
public static class ProfilingEndpoints
{
    public const int MaxValidationBytes = 64 * 1024 * 1024;

    public static IEndpointRouteBuilder MapProfilingApi(this IEndpointRouteBuilder app)
    {
        var sets = app.MapGroup("/api/validation-sets").WithTags("Profiling");
        sets.MapPost("/", async Task<Results<Created<ValidationImportResult>, UnprocessableEntity<ValidationImportResult>>> (HttpContext context, IProfilingStore store, string? name, string? description, CancellationToken ct) =>
        {
            OpenAi.ErrorMapper.LimitBody(context, MaxValidationBytes);
            string text;
            using (var body = new StreamReader(context.Request.Body))
            {
                text = await body.ReadToEndAsync(ct);
            }

            using var reader = new StringReader(text);
            var parsed = ValidationSetParser.Parse(reader);
            var errors = parsed.Errors.Select(e => new ValidationLineErrorDto(e.Line, e.Message)).ToList();
            if (parsed.Items.Count == 0)
            {
                return TypedResults.UnprocessableEntity(new ValidationImportResult(null, 0, errors, "No valid item: nothing was stored."));
            }

            var info = await store.CreateValidationSetAsync(string.IsNullOrWhiteSpace(name) ? "validation-set" : name, description, parsed.Items, ct);
            return TypedResults.Created($"/api/validation-sets/{info.Id}", new ValidationImportResult(info, parsed.Items.Count, errors,
                errors.Count == 0 ? null : $"{errors.Count} line(s) were skipped; the {parsed.Items.Count} good one(s) were stored."));
        })
        .WithSummary("Import a validation set from JSONL (one item per line)")
        .WithDescription("Each line: {\"question\": \"...\", \"choices\": [\"...\"] (optional), \"answer\": \"B\" | \"42\" | \"text\", \"skills\": [\"algebra\"] (optional)}. " +
            "Bad lines are reported by line number and skipped; good lines are kept. Query: name, description.")
        .Accepts<string>("application/x-ndjson", "application/jsonl", "text/plain");

        sets.MapGet("/", async (IProfilingStore store, CancellationToken ct) => TypedResults.Ok(await store.ListValidationSetsAsync(ct)))
            .WithSummary("List validation sets");
        sets.MapGet("/{id}", async Task<Results<Ok<ValidationSetDetail>, NotFound<ProblemLite>>> (string id, IProfilingStore store, CancellationToken ct) =>
        {
            var info = await store.GetValidationSetAsync(id, ct);
            if (info is null)
            {
                return TypedResults.NotFound(new ProblemLite(404, $"Validation set '{id}' does not exist."));
            }

            var items = await store.GetValidationItemsAsync(id, ct);
            return TypedResults.Ok(new ValidationSetDetail(info, items.Take(100).ToList()));
        }).WithSummary("Get a validation set with its first 100 items");
        sets.MapDelete("/{id}", async Task<Results<NoContent, NotFound<ProblemLite>>> (string id, IProfilingStore store, CancellationToken ct) =>
            await store.DeleteValidationSetAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound(new ProblemLite(404, $"Validation set '{id}' does not exist.")))
            .WithSummary("Delete a validation set");

        var runs = app.MapGroup("/api/profiling-runs").WithTags("Profiling");
        runs.MapPost("/", async Task<Accepted<ProfilingRun>> (ProfilingRunRequest body, ProfilingService service, CancellationToken ct) =>
        {
            var run = await service.StartAsync(body.ValidationSetId ?? throw new ProfilingException("'validationSetId' is required."),
                body.ProfileId ?? "default", body.Settings ?? new ProfilingSettings(), ct);
            return TypedResults.Accepted($"/api/profiling-runs/{run.Id}", run);
        })
        .WithSummary("Start a profiling run in the background (poll GET /api/profiling-runs/{id} for progress)")
        .WithDescription("Annotates skills with the keyword model, has every expert answer every item (each model loaded once, its items batched), " +
            "benchmarks candidate aggregators, then stores a new version of the profile. Survives restarts.");
        runs.MapGet("/", async (IProfilingStore store, CancellationToken ct) => TypedResults.Ok(await store.ListRunsAsync(ct)))
            .WithSummary("List profiling runs");
        runs.MapGet("/{id}", async Task<Results<Ok<ProfilingRun>, NotFound<ProblemLite>>> (string id, IProfilingStore store, CancellationToken ct) =>
            await store.GetRunAsync(id, ct) is { } run ? TypedResults.Ok(run) : TypedResults.NotFound(new ProblemLite(404, $"Profiling run '{id}' does not exist.")))
            .WithSummary("Get a run with its progress (phase, items annotated, answers per expert, aggregator benchmark)");
        runs.MapPost("/{id}/cancel", async Task<Results<Ok<ProfilingRun>, Conflict<ProblemLite>>> (string id, ProfilingService service, IProfilingStore store, CancellationToken ct) =>
            await service.CancelAsync(id, ct)
                ? TypedResults.Ok((await store.GetRunAsync(id, ct))!)
                : TypedResults.Conflict(new ProblemLite(409, $"Profiling run '{id}' does not exist or has already ended.")))
            .WithSummary("Cancel a queued or running run");

        var profiles = app.MapGroup("/api/profiles").WithTags("Profiling");
        profiles.MapGet("/", async (IProfilingStore store, CancellationToken ct) => TypedResults.Ok(await store.ListProfilesAsync(ct)))
            .WithSummary("Latest version of every skill profile");
        profiles.MapGet("/{id}", async Task<Results<Ok<SkillProfileSet>, NotFound<ProblemLite>>> (string id, int? version, IProfilingStore store, CancellationToken ct) =>
            await store.GetProfileAsync(id, version, ct) is { } p ? TypedResults.Ok(p) : TypedResults.NotFound(new ProblemLite(404, $"Profile '{id}'{(version is null ? "" : $" version {version}")} does not exist.")))
            .WithSummary("A skill profile (latest, or ?version=N)");
        profiles.MapGet("/{id}/versions", async (string id, IProfilingStore store, CancellationToken ct) => TypedResults.Ok(await store.ListProfileVersionsAsync(id, ct)))
            .WithSummary("Versions of a profile");
        return app;
    }
}

public sealed record ValidationLineErrorDto(int Line, string Message);

public sealed record ValidationImportResult(ValidationSetInfo? Set, int Items, IReadOnlyList<ValidationLineErrorDto> Errors, string? Message);

public sealed record ValidationSetDetail(ValidationSetInfo Set, IReadOnlyList<ValidationItem> Items);

/// <summary>A ProblemDetails body for typed results.</summary>
public sealed record ProblemLite(int Status, string Detail)
{
    public string Title => Status == 404 ? "Not found" : Status == 409 ? "Conflict" : "Error";
}
