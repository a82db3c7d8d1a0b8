using System.Diagnostics;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Routing;
using ExpertRouter.Core.Validation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace ExpertRouter.Core.Profiling;

/// <summary>
/// Executes one profiling run (ALGORITHMS.md section 1, steps 1-3), resumably: keyword annotation
/// by the keyword model, every expert answering every item (each expert leased once, its items in
/// flight together so they share decode batches), the aggregator benchmark, then per-keyword +1/-1
/// profiles stored as a new profile version. Every item result is checkpointed, so a run that is
/// interrupted (restart, crash) continues where it stopped; the profile is written only at the end.
/// </summary>
public sealed partial class ProfilingRunner(
    IProfilingStore store,
    IExpertStore registry,
    IExpertClientProvider experts,
    PromptLibrary prompts,
    KeywordAnnotator annotator,
    ILogger<ProfilingRunner> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs (or resumes) a run to completion; the run's status says how it ended.</summary>
    public async Task RunAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Profiling run '{runId}' does not exist.");
        using var state = new RunState(run, store);
        try
        {
            await state.SetAsync(run with { Status = ProfilingStatus.Running, Error = null }, cancellationToken).ConfigureAwait(false);
            var items = await store.GetValidationItemsAsync(run.ValidationSetId, cancellationToken).ConfigureAwait(false);
            if (items.Count == 0)
            {
                throw new ProfilingException($"Validation set '{run.ValidationSetId}' is empty or was deleted.");
            }

            var expertIds = await ResolveExpertsAsync(run.Settings, cancellationToken).ConfigureAwait(false);
            var keywordModel = run.Settings.KeywordModel ?? expertIds[0];
            if (await registry.GetAsync(keywordModel, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new ProfilingException($"The keyword model '{keywordModel}' is not a registered expert.");
            }

            state.Progress = state.Progress with { Items = items.Count };
            var keywords = await AnnotateAsync(state, items, keywordModel, cancellationToken).ConfigureAwait(false);
            var answers = await AnswerAsync(state, items, expertIds, cancellationToken).ConfigureAwait(false);
            var aggregatorAccuracy = await BenchmarkAggregatorsAsync(state, items, expertIds, answers, cancellationToken).ConfigureAwait(false);

            await state.ReportAsync(p => p with { Phase = ProfilingPhase.BuildingProfiles, Fraction = 0.99, Message = "building profiles" }, cancellationToken, force: true).ConfigureAwait(false);
            var profile = BuildProfile(run, items, keywords, answers, expertIds, aggregatorAccuracy, keywordModel);
            var version = await store.SaveProfileAsync(profile, cancellationToken).ConfigureAwait(false);
            await state.SetAsync(state.Run with
            {
                Status = ProfilingStatus.Completed,
                ProfileVersion = version,
                Progress = state.Progress with { Phase = ProfilingPhase.Done, Fraction = 1, Message = $"profile '{run.ProfileId}' version {version}; aggregator {profile.Aggregator}" },
            }, CancellationToken.None).ConfigureAwait(false);
            LogCompleted(logger, runId, run.ProfileId, version, profile.Aggregator);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var current = await store.GetRunAsync(runId, CancellationToken.None).ConfigureAwait(false);
            if (current?.Status == ProfilingStatus.Cancelled)
            {
                return; // cancelled by the user; a shutdown leaves it Running, to resume at start-up
            }

            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, runId, e.Message);
            await state.SetAsync(state.Run with { Status = ProfilingStatus.Failed, Error = e.Message, Progress = state.Progress with { Message = "failed: " + e.Message } }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<string>> ResolveExpertsAsync(ProfilingSettings settings, CancellationToken ct)
    {
        var registered = await registry.ListAsync(ct).ConfigureAwait(false);
        if (settings.Experts.Count == 0)
        {
            return registered.Count > 0 ? [.. registered.Select(e => e.Id)] : throw new ProfilingException("There are no experts to profile.");
        }

        var missing = settings.Experts.Where(id => registered.All(e => e.Id != id)).ToList();
        return missing.Count == 0 ? [.. settings.Experts.Distinct()] : throw new ProfilingException($"Unknown expert(s): {string.Join(", ", missing)}.");
    }

    private async Task<IReadOnlyDictionary<int, IReadOnlyList<string>>> AnnotateAsync(RunState state, IReadOnlyList<ValidationItem> items, string keywordModel, CancellationToken ct)
    {
        var settings = state.Run.Settings;
        var done = new Dictionary<int, IReadOnlyList<string>>(await store.GetKeywordsAsync(state.Run.Id, ct).ConfigureAwait(false));
        var provided = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (!done.ContainsKey(i) && settings.UseProvidedSkills && items[i].Skills is { Count: > 0 } skills)
            {
                var kws = skills.Select(KeywordNormalizer.Normalize).OfType<string>().Distinct().ToList();
                await store.SaveKeywordsAsync(state.Run.Id, i, kws, ct).ConfigureAwait(false);
                done[i] = kws;
                provided++;
            }
        }

        var pending = Enumerable.Range(0, items.Count).Where(i => !done.ContainsKey(i)).ToList();
        await state.ReportAsync(p => p with { Phase = ProfilingPhase.Annotating, ItemsAnnotated = done.Count, Message = $"annotating skills with {keywordModel}" }, ct, force: true).ConfigureAwait(false);
        if (pending.Count > 0)
        {
            using var lease = await experts.AcquireAsync(keywordModel, null, ct).ConfigureAwait(false);
            await ForEachAsync(pending, settings.Parallelism, async i =>
            {
                var kws = await annotator.AnnotateAsync(lease.Chat, items[i].Question, settings.KeywordSamples, settings.KeywordTemperature,
                    settings.KeywordMinSamples, settings.Seed is { } seed ? seed + i : i, ct).ConfigureAwait(false);
                await store.SaveKeywordsAsync(state.Run.Id, i, kws, ct).ConfigureAwait(false);
                lock (done)
                {
                    done[i] = kws;
                }

                await state.ReportAsync(p => p with { ItemsAnnotated = done.Count, Fraction = 0.2 * done.Count / items.Count }, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }

        var withKeywords = done.Values.Count(k => k.Count > 0);
        if (withKeywords == 0 || withKeywords < items.Count / 10)
        {
            throw new ProfilingException(
                $"The keyword model '{keywordModel}' produced usable skill keywords for only {withKeywords} of {items.Count} items " +
                "(it must list 2-5 short skills, one per line, consistently across samples). Choose another keyword model, or give 'skills' in the validation file.");
        }

        return done;
    }

    private async Task<List<StoredAnswer>> AnswerAsync(RunState state, IReadOnlyList<ValidationItem> items, IReadOnlyList<string> expertIds, CancellationToken ct)
    {
        var settings = state.Run.Settings;
        var answers = (await store.GetAnswersAsync(state.Run.Id, ct).ConfigureAwait(false)).ToList();
        var counts = expertIds.ToDictionary(id => id, id => answers.Count(a => a.ExpertId == id));
        await state.ReportAsync(p => p with { Phase = ProfilingPhase.Answering, Answered = new Dictionary<string, int>(counts), Message = "experts answering" }, ct, force: true).ConfigureAwait(false);
        var total = items.Count * expertIds.Count;
        foreach (var expertId in expertIds)
        {
            var done = answers.Where(a => a.ExpertId == expertId).Select(a => a.ItemIndex).ToHashSet();
            var pending = Enumerable.Range(0, items.Count).Where(i => !done.Contains(i)).ToList();
            if (pending.Count == 0)
            {
                continue;
            }

            // One lease per expert: the model is loaded once and all its items are decoded in shared batches.
            using var lease = await experts.AcquireAsync(expertId, null, ct).ConfigureAwait(false);
            await state.ReportAsync(p => p with { Message = $"{expertId} answering {pending.Count} items" }, ct, force: true).ConfigureAwait(false);
            await ForEachAsync(pending, settings.Parallelism, async i =>
            {
                var item = items[i];
                var options = new ChatOptions { Temperature = settings.AnswerTemperature, MaxOutputTokens = settings.MaxAnswerTokens, Seed = settings.Seed };
                var response = await lease.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, AnswerPrompt(item))], options, ct).ConfigureAwait(false);
                var extracted = AnswerExtractor.Extract(response.Text, item.Kind, item.Choices?.Count ?? 0);
                var answer = new StoredAnswer(expertId, i, response.Text, extracted, AnswerChecker.IsCorrect(extracted, item.Answer, item.Kind), SelfCertainty(response));
                await store.SaveAnswerAsync(state.Run.Id, answer, ct).ConfigureAwait(false);
                lock (answers)
                {
                    answers.Add(answer);
                    counts[expertId]++;
                }

                await state.ReportAsync(p => p with { Answered = Snapshot(counts), Fraction = 0.2 + 0.6 * counts.Values.Sum() / total }, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }

        return answers;
    }

    private async Task<Dictionary<string, double>> BenchmarkAggregatorsAsync(RunState state, IReadOnlyList<ValidationItem> items, IReadOnlyList<string> expertIds, List<StoredAnswer> answers, CancellationToken ct)
    {
        var settings = state.Run.Settings;
        var byItem = answers.GroupBy(a => a.ItemIndex).ToDictionary(g => g.Key, g => g.OrderBy(a => a.ExpertId, StringComparer.Ordinal).ToList());
        // Items with one correct and two wrong saved answers: the synthetic aggregation test of the paper.
        var eligible = Enumerable.Range(0, items.Count)
            .Where(i => byItem.TryGetValue(i, out var a) && a.Any(x => x.Correct) && a.Count(x => !x.Correct) >= 2)
            .ToList();
        if (settings.AggregatorBenchmarkItems > 0 && eligible.Count > settings.AggregatorBenchmarkItems)
        {
            eligible = [.. eligible.OrderBy(i => Hash(state.Run.Id, i)).Take(settings.AggregatorBenchmarkItems).Order()];
        }

        var candidates = settings.AggregatorCandidates.Count > 0 ? settings.AggregatorCandidates : expertIds;
        var results = (await store.GetAggregatorResultsAsync(state.Run.Id, ct).ConfigureAwait(false)).ToList();
        var doneCounts = candidates.ToDictionary(c => c, c => results.Count(r => r.AggregatorId == c && eligible.Contains(r.ItemIndex)));
        await state.ReportAsync(p => p with { Phase = ProfilingPhase.AggregatorBenchmark, AggregatorItems = eligible.Count, AggregatorDone = Snapshot(doneCounts), Message = $"aggregator benchmark on {eligible.Count} items" }, ct, force: true).ConfigureAwait(false);
        if (eligible.Count == 0)
        {
            return [];
        }

        var total = eligible.Count * candidates.Count;
        foreach (var aggregator in candidates)
        {
            var done = results.Where(r => r.AggregatorId == aggregator).Select(r => r.ItemIndex).ToHashSet();
            var pending = eligible.Where(i => !done.Contains(i)).ToList();
            if (pending.Count == 0)
            {
                continue;
            }

            using var lease = await experts.AcquireAsync(aggregator, null, ct).ConfigureAwait(false);
            await ForEachAsync(pending, settings.Parallelism, async i =>
            {
                var item = items[i];
                var rng = new Random(Hash(state.Run.Id, i));
                var saved = byItem[i];
                var correct = saved.Where(a => a.Correct).OrderBy(_ => rng.Next()).First();
                var wrong = saved.Where(a => !a.Correct).OrderBy(_ => rng.Next()).Take(2);
                var shuffled = wrong.Append(correct).OrderBy(_ => rng.Next()).Select(a => a.Output).ToList();
                var prompt = AggregationPrompt(prompts, item.Question, item.Choices, item.Kind, shuffled);
                var options = new ChatOptions { Temperature = 0, MaxOutputTokens = settings.MaxAnswerTokens, Seed = settings.Seed };
                var response = await lease.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], options, ct).ConfigureAwait(false);
                var ok = AnswerChecker.IsCorrect(AnswerExtractor.Extract(response.Text, item.Kind, item.Choices?.Count ?? 0), item.Answer, item.Kind);
                await store.SaveAggregatorResultAsync(state.Run.Id, aggregator, i, ok, ct).ConfigureAwait(false);
                lock (results)
                {
                    results.Add((aggregator, i, ok));
                    doneCounts[aggregator]++;
                }

                await state.ReportAsync(p => p with { AggregatorDone = Snapshot(doneCounts), Fraction = 0.8 + 0.19 * doneCounts.Values.Sum() / total }, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }

        return candidates.ToDictionary(c => c, c =>
        {
            var mine = results.Where(r => r.AggregatorId == c && eligible.Contains(r.ItemIndex)).ToList();
            return mine.Count == 0 ? 0 : (double)mine.Count(r => r.Correct) / mine.Count;
        });
    }

    private static SkillProfileSet BuildProfile(ProfilingRun run, IReadOnlyList<ValidationItem> items, IReadOnlyDictionary<int, IReadOnlyList<string>> keywords,
        List<StoredAnswer> answers, IReadOnlyList<string> expertIds, Dictionary<string, double> aggregatorAccuracy, string keywordModel)
    {
        var profiles = new List<ExpertProfile>();
        var accuracy = new Dictionary<string, double>();
        foreach (var id in expertIds)
        {
            var scores = new Dictionary<string, int>(StringComparer.Ordinal);
            var mine = answers.Where(a => a.ExpertId == id).ToList();
            foreach (var a in mine)
            {
                foreach (var kw in keywords.GetValueOrDefault(a.ItemIndex) ?? [])
                {
                    scores[kw] = scores.GetValueOrDefault(kw) + (a.Correct ? 1 : -1);
                }
            }

            profiles.Add(new ExpertProfile(id, scores, mine.Count(a => a.Correct), mine.Count));
            accuracy[id] = mine.Count == 0 ? 0 : (double)mine.Count(a => a.Correct) / mine.Count;
        }

        // The aggregator: best benchmark accuracy; ties (or no benchmark) go to the more accurate expert.
        var aggregator = aggregatorAccuracy.Count > 0
            ? aggregatorAccuracy.OrderByDescending(a => a.Value).ThenByDescending(a => accuracy.GetValueOrDefault(a.Key)).ThenBy(a => a.Key, StringComparer.Ordinal).First().Key
            : accuracy.OrderByDescending(a => a.Value).ThenBy(a => a.Key, StringComparer.Ordinal).First().Key;
        return new SkillProfileSet
        {
            Id = run.ProfileId,
            RunId = run.Id,
            ValidationSetId = run.ValidationSetId,
            Experts = profiles,
            Aggregator = aggregator,
            AggregatorAccuracy = aggregatorAccuracy,
            ExpertAccuracy = accuracy,
            KeywordModel = keywordModel,
            Items = items.Count,
        };
    }

    /// <summary>The prompt an expert answers a validation item with (format depends on the answer kind).</summary>
    public string AnswerPrompt(ValidationItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.Kind switch
        {
            AnswerKind.MultipleChoice => prompts.Render("answer-multiple-choice", new Dictionary<string, string>
            {
                ["question"] = item.Question,
                ["choices"] = ValidationSetParser.FormatChoices(item.Choices ?? []),
            }),
            AnswerKind.Math => prompts.Render("answer-math", new Dictionary<string, string> { ["question"] = item.Question }),
            _ => prompts.Render("answer-free-text", new Dictionary<string, string> { ["question"] = item.Question }),
        };
    }

    /// <summary>The aggregation prompt: the question, the candidates (reasoning cut after the last &lt;/think&gt;), the answer format.</summary>
    public static string AggregationPrompt(PromptLibrary prompts, string question, IReadOnlyList<string>? choices, AnswerKind kind, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(candidates);
        var q = choices is { Count: > 0 } ? question + "\n" + ValidationSetParser.FormatChoices(choices) : question;
        var list = string.Join("\n\n", candidates.Select((c, i) => $"Candidate {i + 1}:\n{AnswerExtractor.StripReasoning(c).Trim()}"));
        var format = kind switch
        {
            AnswerKind.MultipleChoice => "End with a line 'Answer: X' where X is the letter of the correct choice.",
            AnswerKind.Math => "End with the final answer in \\boxed{}.",
            _ => "End with a line 'Answer: ...'.",
        };
        return prompts.Render("aggregate", new Dictionary<string, string> { ["question"] = q, ["candidates"] = list, ["format_instruction"] = format });
    }

    internal static double? SelfCertainty(ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue("self_certainty", out var v) == true && v is double d ? d : null;

    private static Dictionary<string, int> Snapshot(Dictionary<string, int> counts)
    {
        lock (counts)
        {
            return new Dictionary<string, int>(counts);
        }
    }

    /// <summary>A seed that is stable across processes (string.GetHashCode is not).</summary>
    private static int Hash(string runId, int item) => (int)(Fnv(runId) ^ ((uint)item * 2654435761u));

    private static uint Fnv(string s)
    {
        var h = 2166136261u;
        foreach (var c in s)
        {
            h = (h ^ c) * 16777619u;
        }

        return h;
    }

    private static async Task ForEachAsync(IReadOnlyList<int> indices, int parallelism, Func<int, Task> body, CancellationToken ct)
    {
        await Parallel.ForEachAsync(indices, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (i, _) => await body(i).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The run record plus throttled progress writes.</summary>
    private sealed class RunState(ProfilingRun run, IProfilingStore store) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private long _lastWrite = Stopwatch.GetTimestamp();

        public ProfilingRun Run { get; private set; } = run;

        public ProfilingProgress Progress { get; set; } = run.Progress;

        public void Dispose() => _gate.Dispose();

        public async Task SetAsync(ProfilingRun updated, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                Run = updated;
                Progress = updated.Progress;
                await store.UpdateRunAsync(updated, ct).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task ReportAsync(Func<ProfilingProgress, ProfilingProgress> change, CancellationToken ct, bool force = false)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                Progress = change(Progress);
                if (force || Stopwatch.GetElapsedTime(_lastWrite) >= ProgressInterval)
                {
                    _lastWrite = Stopwatch.GetTimestamp();
                    Run = Run with { Progress = Progress };
                    await store.UpdateRunAsync(Run, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Profiling run {RunId} completed: profile {ProfileId} version {Version}, aggregator {Aggregator}")]
    private static partial void LogCompleted(ILogger logger, string runId, string profileId, int version, string? aggregator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Profiling run {RunId} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string runId, string error);
}
