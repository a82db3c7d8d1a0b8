using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Experts;
using ExpertRouter.LlamaCpp.Hosting;

namespace ExpertRouter.Api.OpenAi;

/// <summary>What <c>/v1/models</c> shows for each expert.</summary>
public static class ModelCatalog
{
    public static ModelDto ToDto(ExpertDefinition e, LlamaModelManager models)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(models);
        var status = e.Kind == ExpertKind.Gguf ? models.GetStatus(e.Id) : null;
        return new ModelDto
        {
            Id = e.Id,
            Created = e.CreatedAt.ToUnixTimeSeconds(),
            OwnedBy = e.Kind == ExpertKind.Gguf ? "expertrouter-local" : "expertrouter-remote",
            ExpertRouter = new
            {
                type = "expert",
                kind = e.Kind.ToString().ToLowerInvariant(),
                display_name = e.DisplayName,
                description = e.Description,
                tags = e.Tags,
                state = e.Kind == ExpertKind.Gguf ? status?.DisplayState ?? "unloaded" : "remote",
            },
        };
    }

    public static ModelDto Router(Core.Moe.IMoeRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        return new ModelDto
        {
            Id = router.ModelId,
            OwnedBy = "expertrouter-router",
            ExpertRouter = new { type = "router", router = router.Name, description = router.Description },
        };
    }
}
