namespace ExpertRouter.LlamaCpp.Hosting;

/// <summary>Lifecycle of a managed model. "Idle" is <see cref="Resident"/> with no active lease.</summary>
public enum ModelState
{
    Unloaded,
    Loading,
    Resident,
    Failed,
}
