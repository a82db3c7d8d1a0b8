using ExpertRouter.Api.Experts;
using ExpertRouter.Core.Experts;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExpertRouter.Api.Management;

/// <summary>The expert registry API under <c>/api/experts</c> (errors as ProblemDetails).</summary>
public static class ExpertEndpoints
{
    public static IEndpointRouteBuilder MapExpertApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/experts").WithTags("Experts");

        api.MapGet("/", async (ExpertRegistry registry, LlamaModelManager models, CancellationToken ct) =>
            TypedResults.Ok((await registry.ListAsync(ct)).Select(e => ExpertDto.From(e, models.GetStatus(e.Id))).ToList()))
            .WithSummary("List experts with their state");

        api.MapGet("/{id}", async Task<Results<Ok<ExpertDto>, NotFound>> (string id, ExpertRegistry registry, LlamaModelManager models, ExpertClientProvider provider, CancellationToken ct) =>
        {
            var e = await registry.GetRequiredAsync(id, ct);
            GgufMetadataDto? metadata = null;
            if (e.Kind == ExpertKind.Gguf)
            {
                var info = GgufModelInfo.Read(e.Path!);
                metadata = GgufMetadataDto.From(info, provider.ToSpec(e).Options.EstimateMemory(info));
            }

            return TypedResults.Ok(ExpertDto.From(e, models.GetStatus(e.Id), metadata));
        })
        .WithSummary("Get one expert, with GGUF metadata and memory estimate for local experts")
        .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/", async Task<Created<ExpertDto>> (ExpertRequestDto body, ExpertRegistry registry, LlamaModelManager models, CancellationToken ct) =>
        {
            var e = await registry.RegisterAsync(body.ToDefinition(), ct);
            return TypedResults.Created($"/api/experts/{e.Id}", ExpertDto.From(e, models.GetStatus(e.Id)));
        })
        .WithSummary("Register an expert")
        .WithDescription("Local: {\"id\":\"math\",\"kind\":\"gguf\",\"path\":\"qwen-math.gguf\"} (inside a model directory). " +
            "Remote: {\"id\":\"gpt\",\"kind\":\"openai\",\"baseUrl\":\"http://host:8000/v1\",\"model\":\"name\",\"apiKeySetting\":\"REMOTE_API_KEY\"}.")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapPut("/{id}", async Task<Ok<ExpertDto>> (string id, ExpertRequestDto body, ExpertRegistry registry, LlamaModelManager models, CancellationToken ct) =>
        {
            var e = await registry.UpdateAsync(id, body.ToDefinition(id), ct);
            models.Unload(id); // idle: reload with the new settings on next use; busy: keeps serving until evicted
            return TypedResults.Ok(ExpertDto.From(e, models.GetStatus(id)));
        })
        .WithSummary("Replace an expert's definition")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapDelete("/{id}", async Task<Results<NoContent, Conflict<ProblemDetailsLite>>> (string id, ExpertRegistry registry, LlamaModelManager models, CancellationToken ct) =>
        {
            await registry.GetRequiredAsync(id, ct);
            if (!models.Unload(id, evenIfPinned: true))
            {
                return TypedResults.Conflict(new ProblemDetailsLite($"Expert '{id}' is busy (generating or loading); retry when its requests finish."));
            }

            await registry.DeleteAsync(id, ct);
            models.Forget(id);
            return TypedResults.NoContent();
        })
        .WithSummary("Delete an expert (unloads it first; 409 while it is busy)")
        .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{id}/load", async Task<Ok<ExpertDto>> (string id, IExpertClientProvider provider, ExpertRegistry registry, LlamaModelManager models, CancellationToken ct) =>
        {
            using (await provider.AcquireAsync(id, null, ct))
            {
            }

            return TypedResults.Ok(ExpertDto.From(await registry.GetRequiredAsync(id, ct), models.GetStatus(id)));
        })
        .WithSummary("Load a local expert now (waits until resident)")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/{id}/unload", async Task<Results<Ok<ExpertDto>, Conflict<ProblemDetailsLite>>> (string id, ExpertRegistry registry, LlamaModelManager models, CancellationToken ct) =>
        {
            var e = await registry.GetRequiredAsync(id, ct);
            return models.Unload(id, evenIfPinned: true)
                ? TypedResults.Ok(ExpertDto.From(e, models.GetStatus(id)))
                : TypedResults.Conflict(new ProblemDetailsLite($"Expert '{id}' is busy; it will not be unloaded while generating."));
        })
        .WithSummary("Unload a local expert (409 while it is generating)")
        .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }
}
