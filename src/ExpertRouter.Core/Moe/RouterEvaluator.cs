using System.Diagnostics;
using ExpertRouter.Core.Validation;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Runs routers over a labelled set and reports, per router: accuracy, expert calls per query (every
/// recruited instance, plus the aggregator when it synthesises), model loads during its run, and the
/// routing decision latency (planning only, p50/p99). Items are answered one after another so the
/// numbers are comparable.
/// </summary>
public sealed class RouterEvaluator(MoeExecutor executor, Func<long> modelLoads)
{
    public async Task<IReadOnlyList<RouterEvaluation>> EvaluateAsync(IReadOnlyList<IMoeRouter> routers, IReadOnlyList<ValidationItem> items, int? seed, int maxTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routers);
        ArgumentNullException.ThrowIfNull(items);
        var rows = new List<RouterEvaluation>();
        foreach (var router in routers)
        {
            var loadsBefore = modelLoads();
            var latencies = new List<double>();
            var correct = 0;
            var calls = 0;
            var failures = 0;
            string? firstError = null;
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                var prompt = item.Choices is { Count: > 0 } ? item.Question + "\n" + ValidationSetParser.FormatChoices(item.Choices) : item.Question;
                var overrides = MoeOverrides.None with { Seed = seed is { } s ? s + i : null };
                try
                {
                    var sw = Stopwatch.StartNew();
                    var plan = await router.PlanAsync(prompt, overrides, cancellationToken).ConfigureAwait(false);
                    latencies.Add(sw.Elapsed.TotalMilliseconds);
                    var options = new ChatOptions { Temperature = 0, Seed = seed is { } s2 ? s2 + i : null, MaxOutputTokens = maxTokens };
                    var draft = await executor.GatherAsync(plan, [new ChatMessage(ChatRole.User, prompt)], options, overrides, null, cancellationToken).ConfigureAwait(false);
                    calls += plan.Selected.Count;
                    var text = draft.FinalText;
                    if (text is null)
                    {
                        calls++;
                        using var lease = await executor.AcquireAggregatorAsync(draft.Aggregator!, cancellationToken).ConfigureAwait(false);
                        text = (await lease.Chat.GetResponseAsync(MoeExecutor.SynthesisMessages(draft), MoeExecutor.SynthesisOptions(options), cancellationToken).ConfigureAwait(false)).Text;
                    }

                    correct += AnswerChecker.IsCorrect(AnswerExtractor.Extract(text, item.Kind, item.Choices?.Count ?? 0), item.Answer, item.Kind) ? 1 : 0;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures++;
                    firstError ??= e.Message;
                }
            }

            latencies.Sort();
            rows.Add(new RouterEvaluation(router.ModelId, items.Count, correct, items.Count == 0 ? 0 : (double)correct / items.Count,
                items.Count == 0 ? 0 : (double)calls / items.Count, modelLoads() - loadsBefore, Percentile(latencies, 50), Percentile(latencies, 99), failures, firstError));
        }

        return rows;
    }

    private static double Percentile(List<double> sorted, int p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
}
