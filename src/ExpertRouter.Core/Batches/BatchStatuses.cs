namespace ExpertRouter.Core.Batches;

/// <summary>OpenAI's batch statuses.</summary>
public static class BatchStatuses
{
    public const string Validating = "validating";
    public const string Failed = "failed";
    public const string InProgress = "in_progress";
    public const string Finalizing = "finalizing";
    public const string Completed = "completed";
    public const string Expired = "expired";
    public const string Cancelling = "cancelling";
    public const string Cancelled = "cancelled";

    /// <summary>Statuses after which nothing changes any more (unless the job is retried).</summary>
    public static bool IsTerminal(string status) => status is Failed or Completed or Expired or Cancelled;
}
