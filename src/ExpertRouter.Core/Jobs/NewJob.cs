namespace ExpertRouter.Core.Jobs;

/// <summary>A job to enqueue: its id (chosen by the caller, e.g. the batch id), kind, JSON payload and attempt limit.</summary>
public sealed record NewJob(string Id, string Kind, string Payload, int MaxAttempts = NewJob.DefaultMaxAttempts)
{
    public const int DefaultMaxAttempts = 5;
}
