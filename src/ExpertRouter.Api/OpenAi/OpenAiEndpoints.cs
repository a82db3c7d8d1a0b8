using ExpertRouter.Api.Experts;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.LlamaCpp.Hosting;

namespace ExpertRouter.Api.OpenAi;

/// <summary>Maps the OpenAI-compatible <c>/v1</c> API.</summary>
public static class OpenAiEndpoints
{
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var v1 = app.MapGroup("/v1").WithTags("OpenAI-compatible");

        v1.MapGet("/models", async (ExpertRegistry registry, LlamaModelManager models, RouterCatalog routers, CancellationToken ct) =>
            TypedResults.Json(new ModelListDto
            {
                Data = [.. (await registry.ListAsync(ct)).Select(e => ModelCatalog.ToDto(e, models)), .. routers.Routers.Select(ModelCatalog.Router)],
            }, OpenAiJson.Options))
            .WithSummary("List models: every expert, and the router virtual models")
            .Produces<ModelListDto>();

        v1.MapGet("/models/{**id}", async (string id, ExpertRegistry registry, LlamaModelManager models, RouterCatalog routers, CancellationToken ct) =>
            routers.Routers.FirstOrDefault(r => r.ModelId == id) is { } router
                ? TypedResults.Json(ModelCatalog.Router(router), OpenAiJson.Options)
                : TypedResults.Json(ModelCatalog.ToDto(await registry.GetRequiredAsync(id, ct), models), OpenAiJson.Options))
            .WithSummary("Retrieve one model")
            .Produces<ModelDto>()
            .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound);

        v1.MapPost("/chat/completions", (HttpContext context, ChatCompletionHandler handler) => handler.HandleAsync(context))
            .WithSummary("Create a chat completion (stream: true for server-sent events)")
            .WithDescription("OpenAI's request and response shapes. Extensions: top_k, min_p, repetition_penalty in the body; " +
                "the response's expert_router field and the X-ExpertRouter-Expert header say which expert answered. " +
                "While a cold model loads, streaming clients receive ': loading ...' SSE comments.")
            .Accepts<ChatCompletionRequest>("application/json")
            .Produces<ChatCompletionResponse>()
            .Produces<OpenAiErrorDto>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound)
            .Produces<OpenAiErrorDto>(StatusCodes.Status413PayloadTooLarge)
            .Produces<OpenAiErrorDto>(StatusCodes.Status429TooManyRequests)
            .Produces<OpenAiErrorDto>(StatusCodes.Status503ServiceUnavailable);

        v1.MapPost("/embeddings", (HttpContext context, EmbeddingsHandler handler) => handler.HandleAsync(context))
            .WithSummary("Create embeddings (mean-pooled, L2-normalised for local experts)")
            .Accepts<EmbeddingRequest>("application/json")
            .Produces<EmbeddingResponse>()
            .Produces<OpenAiErrorDto>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound);

        return app;
    }
}
