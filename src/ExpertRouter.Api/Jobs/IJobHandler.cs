using ExpertRouter.Core.Jobs;

namespace ExpertRouter.Api.Jobs;

/// <summary>
/// Executes the jobs of one kind. <see cref="ExecuteAsync"/> must be resumable: a job may be claimed
/// again after a crash or shutdown and must then skip what its checkpoints say is done.
/// </summary>
public interface IJobHandler
{
    /// <summary>The job kind this handler executes (e.g. <c>batch</c>, <c>profiling</c>).</summary>
    string Kind { get; }

    /// <summary>
    /// Runs (or resumes) the job. Return the outcome; throw for a failure worth retrying later (the
    /// queue backs off and retries until the job's attempts are used up). When
    /// <see cref="JobContext.Token"/> is cancelled because of a user cancellation, end with
    /// <see cref="JobOutcome.Cancelled"/>; when it is cancelled by a shutdown or a lost lease, just stop.
    /// </summary>
    Task<JobOutcome> ExecuteAsync(JobContext context);

    /// <summary>A user asked to cancel the job (it may not have started yet): reflect it in the job's own records.</summary>
    Task OnCancelRequestedAsync(JobRecord job, CancellationToken cancellationToken);

    /// <summary>The job was put back in the queue by a retry request (the queue has already forgotten the items to redo).</summary>
    Task OnRequeuedAsync(JobRecord job, CancellationToken cancellationToken);

    /// <summary>The queue gave up on the job (it kept throwing or kept crashing its workers): record the failure.</summary>
    Task OnFailedAsync(JobRecord job, string reason, CancellationToken cancellationToken);
}
