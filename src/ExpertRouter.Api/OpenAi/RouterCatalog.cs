using ExpertRouter.Core.Moe;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Api.OpenAi;

/// <summary>
/// The router virtual models: <c>moe/symbolic</c> (default profile) and <c>moe/symbolic:&lt;profile&gt;</c>.
/// A router is an <see cref="IChatClient"/> that picks and calls experts.
/// </summary>
public sealed class RouterCatalog(SymbolicMoeService symbolic)
{
    public const string SymbolicModel = "moe/symbolic";

    public static bool IsRouterModel(string model) => model.StartsWith("moe/", StringComparison.Ordinal);

    /// <summary>Returns the router for a model id, the profile it pins (if any), or null when the id is not a router.</summary>
    public (IChatClient Client, string? Profile)? Resolve(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model == SymbolicModel)
        {
            return (new SymbolicMoeChatClient(symbolic, model), null);
        }

        if (model.StartsWith(SymbolicModel + ":", StringComparison.Ordinal) && model.Length > SymbolicModel.Length + 1)
        {
            return (new SymbolicMoeChatClient(symbolic, model), model[(SymbolicModel.Length + 1)..]);
        }

        return null;
    }

    /// <summary>Virtual model ids to list in <c>/v1/models</c>.</summary>
    public static IReadOnlyList<(string Id, string Description)> Models =>
    [
        (SymbolicModel, "Symbolic-MoE: skill-based recruitment of k experts per query from the latest skill profile, then aggregation (consensus, synthesis, voting)."),
    ];
}
