namespace ExpertRouter.Api.Hosting;

/// <summary>Set once start-up work (migrations, configuration sync, demo experts) has finished.</summary>
public sealed class StartupState
{
    private volatile bool _completed;

    public bool Completed => _completed;

    public void MarkCompleted() => _completed = true;
}
