using ExpertRouter.Api.Batch;
using ExpertRouter.Api.Jobs;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api;

/// <summary>Registration of the batch and job-queue services (the composition root calls <see cref="AddBatchJobs"/>).</summary>
public static class BatchServiceCollectionExtensions
{
    /// <summary>
    /// Registers the durable job queue's workers and services (<see cref="JobService"/>, <see cref="JobWorker"/>
    /// as a hosted service, the <c>batch</c> and <c>profiling</c> handlers), files and batches
    /// (<see cref="BatchOptions"/> from <c>ExpertRouter:Batch</c>, <see cref="JobOptions"/> from
    /// <c>ExpertRouter:Jobs</c>, both validated at start). Call after the storage registration.
    /// </summary>
    public static IServiceCollection AddBatchJobs(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BatchOptions>().BindConfiguration(BatchOptions.Section).ValidateOnStart();
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BatchOptions>>(new ValidateWith<BatchOptions>(o => o.Validate()));
        services.AddSingleton<IValidateOptions<JobOptions>>(new ValidateWith<JobOptions>(o => o.Validate()));
        services.AddSingleton<BatchFileStorage>();
        services.AddSingleton<JobSignal>();
        services.AddSingleton<RunningJobs>();
        services.AddSingleton<BatchJobHandler>();
        services.AddSingleton<ProfilingJobHandler>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<BatchJobHandler>());
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<ProfilingJobHandler>());
        services.AddSingleton<JobService>();
        services.AddSingleton<JobWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        return services;
    }

    private sealed class ValidateWith<T>(Func<T, IEnumerable<string>> validate) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = validate(options).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
