namespace ExpertRouter.Core.Experts;

/// <summary>Who registered an expert: the configuration file (re-synced at start-up), the management API, or the demo generator.</summary>
public enum ExpertSource
{
    Config,
    Api,
    Demo,
}
