using ExpertRouter.Api.Experts;
using ExpertRouter.Api.Hosting;
using ExpertRouter.Core.Experts;
using ExpertRouter.LlamaCpp.Hosting;

namespace ExpertRouter.Api.Health;

/// <summary><c>/health</c> (process alive) and <c>/ready</c> (database reachable, engine up, pinned experts loaded).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }))
            .WithTags("Health").WithSummary("Liveness: the process answers");

        app.MapGet("/ready", async (IExpertStore store, ExpertRegistry registry, LlamaModelManager models, NativeRuntimeState native, StartupState startup, CancellationToken ct) =>
        {
            var checks = new Dictionary<string, string>();
            var ok = true;
            bool db;
            try
            {
                db = await store.PingAsync(ct);
            }
#pragma warning disable CA1031 // readiness reports any failure
            catch
            {
                db = false;
            }
#pragma warning restore CA1031

            checks["database"] = db ? "ok" : "unreachable";
            ok &= db;
            checks["startup"] = startup.Completed ? "ok" : "starting";
            ok &= startup.Completed;
            var experts = db ? await registry.ListAsync(ct) : [];
            if (experts.Any(e => e.Kind == ExpertKind.Gguf))
            {
                checks["llama.cpp"] = native.IsReady ? native.Info!.Summary : "unavailable: " + (native.Error ?? "starting");
                ok &= native.IsReady;
            }

            foreach (var pinned in experts.Where(e => e.Pinned && e.Kind == ExpertKind.Gguf))
            {
                var state = models.GetStatus(pinned.Id)?.DisplayState ?? "unloaded";
                checks["pinned:" + pinned.Id] = state;
                ok &= state is "resident" or "idle";
            }

            return Results.Json(new { status = ok ? "ready" : "not_ready", checks }, statusCode: ok ? 200 : 503);
        })
        .WithTags("Health").WithSummary("Readiness: database reachable, llama.cpp loaded, pinned experts resident");
        return app;
    }
}
