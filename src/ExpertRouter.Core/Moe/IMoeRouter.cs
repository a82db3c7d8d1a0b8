namespace ExpertRouter.Core.Moe;

/// <summary>A routing method: decides which experts answer a query (no expert answers here). Thread-safe.</summary>
public interface IMoeRouter
{
    /// <summary>Short name used in explanations, e.g. "symbolic-moe".</summary>
    string Name { get; }

    /// <summary>The virtual model id clients ask for, e.g. "moe/symbolic".</summary>
    string ModelId { get; }

    /// <summary>One sentence for <c>/v1/models</c>.</summary>
    string Description { get; }

    Task<RoutingPlan> PlanAsync(string question, MoeOverrides requestOverrides, CancellationToken cancellationToken);
}
