using System.Text.Json;
using ExpertRouter.Api.OpenAi;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Profiling;

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

        app.MapGet("/api/routing", async (RouterCatalog routers, RouterEmbedder embedder, IProfilingStore profiles, CancellationToken ct) => TypedResults.Ok(new
        {
            routers = routers.Routers.Select(r => new { id = r.ModelId, name = r.Name, description = r.Description }),
            embedder = embedder.Name,
            profiles = (await profiles.ListProfilesAsync(ct)).Select(p => new { id = p.Id, version = p.Version, p.CreatedAt, experts = p.Experts.Count, aggregator = p.Aggregator, keywordModel = p.KeywordModel }),
        }))
        .WithTags("Routing")
        .WithSummary("Routers, the active keyword embedder, and the available skill profiles");
        return app;
    }
}
