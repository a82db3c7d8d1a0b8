using ExpertRouter.Api.Batch;
using ExpertRouter.Api.Jobs;

namespace ExpertRouter.Api;

/// <summary>Maps the batch API (the composition root calls <see cref="MapBatchApi"/>).</summary>
public static class BatchApi
{
    /// <summary>Maps <c>/v1/files</c>, <c>/v1/batches</c> and <c>/api/jobs</c>.</summary>
    public static IEndpointRouteBuilder MapBatchApi(this IEndpointRouteBuilder app)
    {
        app.MapFileApi();
        app.MapBatchesApi();
        app.MapJobApi();
        return app;
    }
}
