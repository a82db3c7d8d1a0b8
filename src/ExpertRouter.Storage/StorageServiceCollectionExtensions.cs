using ExpertRouter.Core.Experts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>The service-wide data directory key, used for the SQLite file when <c>ExpertRouter:Storage:DataDirectory</c> is not set.</summary>
    public const string SharedDataDirectoryKey = "ExpertRouter:DataDirectory";

    /// <summary>
    /// Registers the database layer as singletons: <see cref="StorageOptions"/> (bound from
    /// <c>ExpertRouter:Storage</c>, validated), <see cref="IDatabase"/>, <see cref="DatabaseMigrator"/>,
    /// <see cref="IExpertStore"/>, the profiling store, the durable job queue (<see cref="Core.Jobs.IJobStore"/>)
    /// and the file/batch store (<see cref="Core.Batches.IBatchStore"/>). The host runs <see cref="DatabaseMigrator.MigrateAsync"/> once at
    /// start-up before serving.
    /// </summary>
    public static IServiceCollection AddExpertRouterStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var section = configuration.GetSection(StorageOptions.SectionName);
        services.AddOptions<StorageOptions>()
            .Bind(section)
            .Configure(options =>
            {
                if (string.IsNullOrWhiteSpace(section[nameof(StorageOptions.DataDirectory)])
                    && configuration[SharedDataDirectoryKey] is { Length: > 0 } shared)
                {
                    options.DataDirectory = shared;
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>>(new StorageOptionsValidator()));

        services.TryAddSingleton<IDatabase>(sp => new Database(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value,
            sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new DatabaseMigrator(
            sp.GetRequiredService<IDatabase>(),
            sp.GetService<ILogger<DatabaseMigrator>>()));
        services.TryAddSingleton<IExpertStore>(sp => new SqlExpertStore(
            sp.GetRequiredService<IDatabase>(),
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton<Core.Profiling.IProfilingStore>(sp => new SqlProfilingStore(
            sp.GetRequiredService<IDatabase>(),
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton<Core.Jobs.IJobStore>(sp => new SqlJobStore(
            sp.GetRequiredService<IDatabase>(),
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton<Core.Batches.IBatchStore>(sp => new SqlBatchStore(
            sp.GetRequiredService<IDatabase>(),
            sp.GetService<TimeProvider>()));
        return services;
    }
}
