using ExpertRouter.Core.Moe;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Api.OpenAi;

/// <summary>
/// The router virtual models: <c>moe/&lt;router&gt;</c> (default profile) and
/// <c>moe/&lt;router&gt;:&lt;profile&gt;</c>. A router is an <see cref="IChatClient"/> that picks and
/// calls experts; every router shares the same executor (answers, aggregation).
/// </summary>
public sealed class RouterCatalog(IEnumerable<IMoeRouter> routers, MoeExecutor executor, IRoutedAnswerRecorder recorder)
{
    private readonly Dictionary<string, IMoeRouter> _routers = routers.ToDictionary(r => r.ModelId, StringComparer.Ordinal);

    public static bool IsRouterModel(string model) => model.StartsWith("moe/", StringComparison.Ordinal);

    public IReadOnlyList<IMoeRouter> Routers => [.. _routers.Values.OrderBy(r => r.ModelId, StringComparer.Ordinal)];

    /// <summary>The router for a model id and the profile it pins (if any); null when the id is not a router.</summary>
    public (IMoeRouter Router, MoeChatClient Client, string? Profile)? Resolve(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var colon = model.IndexOf(':', StringComparison.Ordinal);
        var id = colon > 0 ? model[..colon] : model;
        var profile = colon > 0 && colon < model.Length - 1 ? model[(colon + 1)..] : null;
        return _routers.TryGetValue(id, out var router) ? (router, new MoeChatClient(router, executor, model, recorder), profile) : null;
    }
}
