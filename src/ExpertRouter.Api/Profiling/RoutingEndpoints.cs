using System.Text.Json;
using ExpertRouter.Api.OpenAi;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.VectorStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ExpertRouter.Api.Profiling;

/// <summary><c>POST /api/route</c> (routing dry run) and <c>GET /api/routing</c> (routers, profiles, active embedder).</summary>
public static class RoutingEndpoints
{
    public static IEndpointRouteBuilder MapRoutingApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/route", async (HttpContext context, RouterCatalog routers, CancellationToken ct) =>
        {
            var body = await JsonSerializer.DeserializeAsync<ChatCompletionRequest>(context.Request.Body, OpenAiJson.Options, ct);
            var request = ChatRequestParser.Parse(body, 1);
            var model = request.Model;
            var router = routers.Resolve(model) ?? throw new OpenAiException(400, $"'{model}' is not a router; routers: {string.Join(", ", routers.Routers.Select(r => r.ModelId))}.", "model", "not_a_router");
            var overrides = MoeOverrides.From(request.Options.AdditionalProperties);
            if (router.Profile is not null)
            {
                overrides = overrides with { Profile = router.Profile };
            }

            var plan = await router.Router.PlanAsync(MoeChatClient.Question(request.Messages), overrides, ct);
            return TypedResults.Ok(plan.Explanation);
        })
        .WithTags("Routing")
        .WithSummary("Routing dry run: the decision for a chat request, without any expert answering")
        .WithDescription("Same body as /v1/chat/completions with a router model (e.g. moe/symbolic) and optional overrides k, routing_top_p, routing_seed, with_replacement, profile. " +
            "Returns keywords, mapped skills, per-expert local/global scores and probabilities, and the chosen experts.")
        .Accepts<ChatCompletionRequest>("application/json")
        .Produces<RoutingExplanation>();

        app.MapPost("/api/feedback", async Task<Ok<FeedbackResult>> (FeedbackRequest body, RoutingMemoryService memory, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(body.ResponseId))
            {
                throw new ProfilingException("'responseId' is required: the id of a routed answer (the 'id' of a moe/* chat completion).");
            }

            var good = body.Rating?.ToLowerInvariant() switch
            {
                "good" or "up" or "+1" => true,
                "bad" or "down" or "-1" => false,
                _ => throw new ProfilingException("'rating' must be 'good' or 'bad'."),
            };
            var experts = await memory.FeedbackAsync(body.ResponseId, good, ct);
            return TypedResults.Ok(new FeedbackResult(body.ResponseId, good ? "good" : "bad", experts));
        })
        .WithTags("Routing")
        .WithSummary("Mark a routed answer good or bad: the routing memory (moe/memory) learns from it")
        .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapPost("/api/routers/retriever/pilots", async Task<Ok<object>> (string? profile, string? expert, RouterContext context, RouterRetrieverService retriever, CancellationToken ct) =>
        {
            var p = (await context.ProfileAsync(profile, required: true, ct))!;
            var counts = await retriever.RebuildAsync(p, expert, ct);
            return TypedResults.Ok<object>(new { profile = p.Id, version = p.Version, pilots = counts });
        })
        .WithTags("Routing")
        .WithSummary("Rebuild RouterRetriever pilots from a profile (all experts, or ?expert=id only)");

        app.MapPost("/api/routers/evaluate", async Task<Ok<IReadOnlyList<RouterEvaluation>>> (RouterEvaluationRequest body, RouterCatalog routers, MoeExecutor executor,
            IProfilingStore profiles, ExpertRouter.LlamaCpp.Hosting.LlamaModelManager models, CancellationToken ct) =>
        {
            var set = body.ValidationSetId ?? throw new ProfilingException("'validationSetId' is required.");
            var items = await profiles.GetValidationItemsAsync(set, ct);
            if (items.Count == 0)
            {
                throw new ProfilingException($"Validation set '{set}' does not exist or is empty.");
            }

            var chosen = (body.Routers is { Count: > 0 } names
                ? names.Select(n => routers.Resolve(n)?.Router ?? throw new ProfilingException($"'{n}' is not a router."))
                : routers.Routers).ToList();
            var limit = Math.Clamp(body.Limit ?? 50, 1, 10_000);
            var evaluator = new RouterEvaluator(executor, () => models.Snapshot().Sum(s => (long)s.Loads));
            return TypedResults.Ok(await evaluator.EvaluateAsync(chosen, [.. items.Take(limit)], body.Seed ?? 1, Math.Clamp(body.MaxTokens ?? 512, 1, 32768), ct));
        })
        .WithTags("Routing")
        .WithSummary("Compare routers on a labelled set: accuracy, expert calls, model loads, routing latency")
        .WithDescription("Body: {\"validationSetId\": \"vs-...\", \"routers\": [\"moe/symbolic\", \"moe/retriever\"], \"limit\": 50}. Runs synchronously; use a small limit or the batch API for large sets.");

        app.MapGet("/api/routing", async (RouterCatalog routers, RouterEmbedder embedder, IVectorStore vectors, IProfilingStore profiles, CancellationToken ct) => TypedResults.Ok(new
        {
            vectorStore = vectors.Describe(),
            routers = routers.Routers.Select(r => new { id = r.ModelId, name = r.Name, description = r.Description }),
            embedder = embedder.Name,
            profiles = (await profiles.ListProfilesAsync(ct)).Select(p => new { id = p.Id, version = p.Version, p.CreatedAt, experts = p.Experts.Count, aggregator = p.Aggregator, keywordModel = p.KeywordModel }),
        }))
        .WithTags("Routing")
        .WithSummary("Routers, the active keyword embedder, and the available skill profiles");
        return app;
    }
}

/// <summary>Body of <c>POST /api/feedback</c>.</summary>
public sealed record FeedbackRequest(string? ResponseId, string? Rating);

public sealed record FeedbackResult(string ResponseId, string Rating, IReadOnlyList<string> Experts);

/// <summary>Body of <c>POST /api/routers/evaluate</c>.</summary>
public sealed record RouterEvaluationRequest(string? ValidationSetId, IReadOnlyList<string>? Routers, int? Limit, int? Seed, int? MaxTokens);
