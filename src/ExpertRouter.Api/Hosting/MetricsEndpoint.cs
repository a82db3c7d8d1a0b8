using System.Globalization;
using System.Text;
using ExpertRouter.LlamaCpp.Hosting;

namespace ExpertRouter.Api.Hosting;

/// <summary><c>GET /metrics</c> in Prometheus text format: memory budget, model states, loads, evictions, decode batching.</summary>
public static class MetricsEndpoint
{
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (LlamaModelManager models) =>
        {
            var sb = new StringBuilder();
            void Gauge(string name, string help, string type = "gauge")
            {
                sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
                sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            }

            void Value(string name, string? labels, double value) =>
                sb.Append(name).Append(labels is null ? "" : "{" + labels + "}").Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

            Gauge("expertrouter_memory_budget_bytes", "Memory budget for loaded models.");
            Value("expertrouter_memory_budget_bytes", null, models.BudgetBytes);
            Gauge("expertrouter_memory_reserved_bytes", "Bytes reserved by loading and resident models.");
            Value("expertrouter_memory_reserved_bytes", null, models.ReservedBytes);
            Gauge("expertrouter_memory_reserved_peak_bytes", "Most bytes ever reserved at once.");
            Value("expertrouter_memory_reserved_peak_bytes", null, models.PeakReservedBytes);

            var snapshot = models.Snapshot();
            Gauge("expertrouter_model_state", "1 for the model's current state.");
            foreach (var s in snapshot)
            {
                Value("expertrouter_model_state", $"expert=\"{Escape(s.Key)}\",state=\"{s.DisplayState}\"", 1);
            }

            (string Name, string Help, string Type, Func<ModelStatus, double?> Get)[] series =
            [
                ("expertrouter_model_active_requests", "Open leases (requests using the model).", "gauge", s => s.ActiveLeases),
                ("expertrouter_model_loads_total", "Times the model was loaded.", "counter", s => s.Loads),
                ("expertrouter_model_evictions_total", "Times the model was evicted for memory.", "counter", s => s.Evictions),
                ("expertrouter_decode_steps_total", "llama_decode generation steps.", "counter", s => s.Stats?.Steps),
                ("expertrouter_decode_shared_steps_total", "Generation steps that advanced more than one sequence (batched requests).", "counter", s => s.Stats?.SharedSteps),
                ("expertrouter_decode_max_sequences_in_step", "Most sequences decoded in one step.", "gauge", s => s.Stats?.MaxSequencesInStep),
                ("expertrouter_generated_tokens_total", "Tokens generated.", "counter", s => s.Stats?.GeneratedTokens),
                ("expertrouter_prompt_tokens_total", "Prompt tokens processed.", "counter", s => s.Stats?.PromptTokens),
                ("expertrouter_queued_requests", "Requests waiting for a sequence slot.", "gauge", s => s.Stats?.QueuedRequests),
            ];
            foreach (var (name, help, type, get) in series)
            {
                Gauge(name, help, type);
                foreach (var s in snapshot)
                {
                    if (get(s) is { } v)
                    {
                        Value(name, $"expert=\"{Escape(s.Key)}\"", v);
                    }
                }
            }

            return Results.Text(sb.ToString(), "text/plain; version=0.0.4; charset=utf-8");
        })
        .WithTags("Health").WithSummary("Prometheus metrics");
        return app;
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
