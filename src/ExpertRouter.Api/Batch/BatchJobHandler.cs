using System.Text.Json;
using ExpertRouter.Api.Batch.Contracts;
using ExpertRouter.Api.Configuration;
using ExpertRouter.Api.Experts;
using ExpertRouter.Api.Jobs;
using ExpertRouter.Api.OpenAi;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Batches;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Jobs;
using ExpertRouter.Core.Moe;
using ExpertRouter.LlamaCpp;
using ExpertRouter.LlamaCpp.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Batch;

/// <summary>
/// Executes a batch (job kind <c>batch</c>, job id = batch id), resumably:
/// <list type="number">
/// <item>validate: parse every line; malformed ones become error lines with their line number (the rest go on);</item>
/// <item>prepare: each body is validated as online (a 400 there is a 400 here) and its model resolved: an expert, a routed
/// virtual model (<c>moe/...</c>), or unknown (404 line);</item>
/// <item>routing: every routed line is routed first (its router plans which expert instances answer it);</item>
/// <item>experts: the direct lines and the routed lines' expert calls grouped by expert; groups ordered to minimise model
/// loads (resident experts first, re-checked before each group, then remote ones, then cold ones, the likely aggregators
/// last so they are still loaded for the next phase); each expert leased once and all its work run concurrently
/// (bounded) so it shares the expert's decode batches;</item>
/// <item>aggregation: each routed line's answers aggregated (vote, consensus, ...), the syntheses grouped by aggregator,
/// each aggregator leased once for all its syntheses;</item>
/// <item>finalize: output and error files written from the checkpoints in input-line order.</item>
/// </list>
/// A routed line answers what the same request online answers (the same plan, expert calls and synthesis, run in
/// phases). Each finished line is checkpointed at once (first write wins) and each computation start is counted, so a
/// job taken over after a crash skips finished lines and never writes one twice. Each expert answer of a routed line is
/// checkpointed too (a job part), so a routed line interrupted between phases is resumed with the answers it had: only
/// its missing calls (and its aggregation) run again. Transient failures (remote 5xx/429/timeouts, queue full, waiting for memory) are retried
/// with exponential back-off.
/// </summary>
public sealed partial class BatchJobHandler(
    IBatchStore batches,
    BatchFileStorage files,
    ExpertRegistry registry,
    IExpertClientProvider experts,
    RouterCatalog routers,
    LlamaModelManager models,
    IOptions<BatchOptions> batchOptions,
    IOptions<ExpertRouterOptions> routerOptions,
    TimeProvider time,
    ILogger<BatchJobHandler> logger) : IJobHandler
{
    public const string JobKind = "batch";
    private const int MaxListedErrors = 1000;
    private readonly BatchOptions _options = batchOptions.Value;

    public string Kind => JobKind;

    /// <summary>The job payload of a batch.</summary>
    public static string Payload(string batchId) => JsonSerializer.Serialize(new { batchId });

    /// <summary>The id of a batch's output (or error) file: fixed per batch, so finalising again replaces it.</summary>
    public static string OutputFileId(string batchId, bool errors) =>
        "file-" + (batchId.StartsWith("batch_", StringComparison.Ordinal) ? batchId["batch_".Length..] : batchId) + (errors ? "-errors" : "-output");

    public async Task<JobOutcome> ExecuteAsync(JobContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.Token;
        var id = context.Job.Id;
        var batch = await batches.GetBatchAsync(id, ct).ConfigureAwait(false);
        if (batch is null)
        {
            return JobOutcome.Failed($"Batch '{id}' does not exist.");
        }

        if (BatchStatuses.IsTerminal(batch.Status))
        {
            return OutcomeOf(batch.Status);
        }

        var file = await batches.GetFileAsync(batch.InputFileId, ct).ConfigureAwait(false);
        var path = file is null ? null : files.PathOf(file.Id);
        if (path is null || !File.Exists(path))
        {
            return await FailAsync(batch, "input_file_missing", $"The input file '{batch.InputFileId}' no longer exists.").ConfigureAwait(false);
        }

        var input = await BatchInputParser.ParseAsync(path, batch.Endpoint, _options.MaxLines, ct).ConfigureAwait(false);
        if (input.TooManyLines)
        {
            return await FailAsync(batch, "too_many_requests", $"The input file has more than {_options.MaxLines} requests (ExpertRouter:Batch:MaxLines).").ConfigureAwait(false);
        }

        if (input.Total == 0)
        {
            return await FailAsync(batch, "empty_file", "The input file has no request lines.").ConfigureAwait(false);
        }

        var run = new Execution(context, batch, input);
        foreach (var problem in input.Problems)
        {
            run.Immediate[problem.Number] = ErrorLine(problem.CustomId, problem.Code, problem.Message, problem.Number);
        }

        if (context.IsCancelledByUser || batch.Status == BatchStatuses.Cancelling)
        {
            return await FinalizeAsync(run, BatchStatuses.Cancelled).ConfigureAwait(false);
        }

        if (Expired(batch))
        {
            return await FinalizeAsync(run, BatchStatuses.Expired).ConfigureAwait(false);
        }

        await batches.TrySetStatusAsync(id, BatchStatuses.InProgress, [BatchStatuses.Validating], ct).ConfigureAwait(false);
        var done = (await context.Store.GetCheckpointsAsync(id, ct).ConfigureAwait(false)).ToDictionary(c => (int)c.Item);
        run.Progress.Phase("preparing", input.Lines.Count - done.Count);
        var work = new List<Work>();
        foreach (var line in input.Lines.Where(l => !done.ContainsKey(l.Number)))
        {
            try
            {
                work.Add(await PrepareAsync(line, batch.Endpoint, ct).ConfigureAwait(false));
            }
            catch (Exception e) when (e is OpenAiException or JsonException or ExpertNotFoundException or ArgumentException)
            {
                run.Immediate[line.Number] = ResponseLine(line.CustomId, ErrorMapper.Map(e, out _));
            }
        }

        run.Progress.SetCounts(done.Values.Count(c => c.Succeeded), done.Values.Count(c => !c.Succeeded) + run.Immediate.Count);
        LogStarting(logger, id, input.Total, done.Count, work.Count, run.Immediate.Count);

        using var flushStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var flusher = FlushLoopAsync(run, flushStop.Token);
        var final = BatchStatuses.Completed;
        try
        {
            var routed = await RouteAsync(run, work.Where(w => w.Router is not null).ToList()).ConfigureAwait(false);
            await RestoreAnswersAsync(run, routed).ConfigureAwait(false);
            var items = work.Where(w => w.Expert is not null).Select(w => new ExpertItem(w.Expert!.Id, w, null, null))
                .Concat(routed.SelectMany(r => r.Request.Calls.Where(c => r.Answers[c.Index] is null).Select(c => new ExpertItem(c.ExpertId, null, r, c)))).ToList();
            final = await RunExpertsAsync(run, items, routed.Select(r => r.Request.Plan.Profile?.Aggregator).OfType<string>().ToHashSet(StringComparer.Ordinal)).ConfigureAwait(false);
            if (final == BatchStatuses.Completed)
            {
                final = await AggregateAsync(run, routed).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.IsCancelledByUser)
        {
            final = BatchStatuses.Cancelled;
        }
        finally
        {
            await flushStop.CancelAsync().ConfigureAwait(false);
            await flusher.ConfigureAwait(false);
        }

        return await FinalizeAsync(run, final).ConfigureAwait(false);
    }

    public async Task OnCancelRequestedAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await batches.TrySetStatusAsync(job.Id, BatchStatuses.Cancelling, [BatchStatuses.Validating, BatchStatuses.InProgress], cancellationToken).ConfigureAwait(false);
    }

    public async Task OnRequeuedAsync(JobRecord job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        await batches.ReopenAsync(job.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task OnFailedAsync(JobRecord job, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (await batches.GetBatchAsync(job.Id, cancellationToken).ConfigureAwait(false) is { } batch && !BatchStatuses.IsTerminal(batch.Status))
        {
            await FailAsync(batch, "job_failed", reason).ConfigureAwait(false);
        }
    }

    /// <summary>Validates a line's body as the online endpoint does and resolves its model.</summary>
    private async Task<Work> PrepareAsync(BatchInputLine line, string endpoint, CancellationToken ct)
    {
        if (endpoint == OpenAiOperations.EmbeddingsEndpoint)
        {
            var embeddings = OpenAiOperations.ParseEmbeddings(line.Body.Deserialize<EmbeddingRequest>(OpenAiJson.Options));
            var target = await registry.FindAsync(embeddings.Model, ct).ConfigureAwait(false) ?? throw ExpertNotFoundException.For(embeddings.Model);
            return new Work(line, embeddings.Model) { Embeddings = embeddings, Expert = target };
        }

        var chat = OpenAiOperations.ParseChat(line.Body, routerOptions.Value.MaxChoices);
        if (routers.Resolve(chat.Model) is { } router)
        {
            OpenAiOperations.PrepareRouted(router.Profile, chat);
            return new Work(line, chat.Model) { Chat = chat, Router = router.Client };
        }

        if (RouterCatalog.IsRouterModel(chat.Model))
        {
            throw ExpertNotFoundException.For(chat.Model);
        }

        var expert = await registry.FindAsync(chat.Model, ct).ConfigureAwait(false) ?? throw ExpertNotFoundException.For(chat.Model);
        return new Work(line, chat.Model) { Chat = chat, Expert = expert };
    }

    /// <summary>Routes every routed line (its router's plan and expert calls); a line that cannot be routed ends with its error.</summary>
    private async Task<List<RoutedLine>> RouteAsync(Execution run, List<Work> work)
    {
        var routed = new List<RoutedLine>();
        if (work.Count == 0)
        {
            return routed;
        }

        run.Progress.Phase("routing", work.Count, $"routing {work.Count} line(s)");
        foreach (var model in work.Select(w => w.Model).Distinct(StringComparer.Ordinal))
        {
            var group = run.Progress.AddGroup(model, "router", work.Count(w => w.Model == model));
            run.Progress.Update(group, g => g.Start());
            run.RouterGroups[model] = group;
        }

        var gate = new Lock();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = _options.RemoteParallelism, CancellationToken = run.Context.Token }, async (w, ct) =>
        {
            await run.Context.Store.BeginItemAsync(run.Context.Job.Id, w.Line.Number, run.Context.Worker, ct).ConfigureAwait(false);
            try
            {
                var request = await WithRetriesAsync(run, w.Line.Number, run.RouterGroups[w.Model],
                    c => w.Router!.PlanAsync(w.Chat!.Messages, w.Chat.Options, c), ct).ConfigureAwait(false);
                lock (gate)
                {
                    routed.Add(new RoutedLine(w, request));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await FailLineAsync(run, w, e, run.RouterGroups[w.Model]).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        routed.Sort((a, b) => a.Work.Line.Number.CompareTo(b.Work.Line.Number));
        return routed;
    }

    /// <summary>
    /// Puts back the expert answers that an earlier attempt of this job stored for unfinished routed lines (a crash or a
    /// cancellation between phases), so only the missing calls run. An answer is reused only for the same instance of the
    /// plan (index) answered by the same expert: a line planned differently this time computes what changed.
    /// </summary>
    private static async Task RestoreAnswersAsync(Execution run, List<RoutedLine> routed)
    {
        if (routed.Count == 0)
        {
            return;
        }

        var byLine = routed.ToDictionary(r => (long)r.Work.Line.Number);
        var restored = 0;
        foreach (var part in await run.Context.Store.GetPartialsAsync(run.Context.Job.Id, run.Context.Token).ConfigureAwait(false))
        {
            if (byLine.TryGetValue(part.Item, out var line) && part.Part >= 0 && part.Part < line.Answers.Length
                && SavedAnswer.TryRestore(part.Result, line.Request.Calls[part.Part].ExpertId) is { } answer)
            {
                line.Answers[part.Part] = answer;
                restored++;
            }
        }

        run.Progress.SetResumedCalls(restored);
    }

    /// <summary>Expert groups one after another, the next one always the cheapest to start (resident first); returns the batch's end status so far.</summary>
    private async Task<string> RunExpertsAsync(Execution run, List<ExpertItem> items, HashSet<string> aggregators)
    {
        var remaining = items.GroupBy(i => i.ExpertId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var definitions = new Dictionary<string, ExpertDefinition?>(StringComparer.Ordinal);
        foreach (var (id, group) in remaining)
        {
            // A direct line carries its expert's definition; an expert only routed lines use is looked up once.
            definitions[id] = group.FirstOrDefault(i => i.Work is not null)?.Work!.Expert ?? await registry.FindAsync(id, run.Context.Token).ConfigureAwait(false);
        }

        run.Progress.Phase("experts", items.Count);
        IOrderedEnumerable<KeyValuePair<string, List<ExpertItem>>> Ordered() => remaining
            .OrderBy(g => Rank(definitions[g.Key]))
            .ThenBy(g => aggregators.Contains(g.Key) ? 1 : 0)
            .ThenByDescending(g => g.Value.Count)
            .ThenBy(g => g.Key, StringComparer.Ordinal);
        var groups = Ordered().ToDictionary(g => g.Key, g =>
        {
            var group = run.Progress.AddGroup(g.Key, definitions[g.Key]?.Kind.ToString().ToLowerInvariant() ?? "unknown", g.Value.Count);
            group.RoutedCalls = g.Value.Count(i => i.Routed is not null);
            return group;
        }, StringComparer.Ordinal);
        while (remaining.Count > 0)
        {
            if (Expired(run.Batch))
            {
                return BatchStatuses.Expired;
            }

            // Re-ranked before each group: running one group may have evicted (or kept) others.
            var next = Ordered().First();
            remaining.Remove(next.Key);
            await RunGroupAsync(run, next.Key, definitions[next.Key], next.Value, groups[next.Key]).ConfigureAwait(false);
        }

        return BatchStatuses.Completed;
    }

    /// <summary>0: a local model already resident (or loading); 1: remote, or not registered (nothing to load); 2: a local model to load.</summary>
    private int Rank(ExpertDefinition? expert) =>
        expert is null || expert.Kind != ExpertKind.Gguf ? 1 : models.GetStatus(expert.Id)?.State is ModelState.Resident or ModelState.Loading ? 0 : 2;

    /// <summary>Requests run at once on one expert: twice its decode slots for a local model (so the slots stay full), else the remote limit.</summary>
    private int ParallelismFor(ExpertDefinition? expert) =>
        expert?.Kind != ExpertKind.Gguf ? _options.RemoteParallelism
        : _options.Parallelism > 0 ? _options.Parallelism
        : Math.Max(1, 2 * (expert.MaxSequences ?? routerOptions.Value.DefaultMaxSequences));

    private async Task RunGroupAsync(Execution run, string expertId, ExpertDefinition? expert, List<ExpertItem> items, BatchProgress.Group group)
    {
        var ct = run.Context.Token;
        var local = expert?.Kind == ExpertKind.Gguf;
        var wasResident = Rank(expert) == 0;
        run.Progress.Update(group, g =>
        {
            g.State = wasResident || !local ? "running" : "loading";
            g.WasResident = local ? wasResident : null;
        });
        run.Progress.Message($"{expertId}: {items.Count} request(s)");
        ExpertLease lease;
        try
        {
            lease = await AcquireAsync(run, expertId, group).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The expert cannot be used at all: all its work fails with the reason.
            var mapped = ErrorMapper.Map(e, out _);
            LogGroupFailed(logger, run.Batch.Id, expertId, items.Count, mapped.Message);
            foreach (var item in items)
            {
                if (item.Work is { } w)
                {
                    await SaveAsync(run, w, ResponseLine(w.Line.CustomId, mapped), false, group).ConfigureAwait(false);
                }
                else
                {
                    item.Routed!.Fail(e);
                    run.Progress.CallEnded(group, false);
                }
            }

            run.Progress.Update(group, g => { g.State = "failed"; g.Finish(); });
            return;
        }

        using (lease)
        {
            run.Progress.Update(group, g => { g.Start(); g.LoadedForBatch = lease.LoadedForThisRequest; });
            await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = ParallelismFor(expert), CancellationToken = ct }, async (item, token) =>
            {
                if (item.Work is { } w)
                {
                    await RunLineAsync(run, w, group, async c => w.Chat is not null
                        ? await OpenAiOperations.CompleteAsync(lease, w.Chat, c).ConfigureAwait(false)
                        : await OpenAiOperations.EmbedAsync(lease, w.Embeddings!, c).ConfigureAwait(false), token).ConfigureAwait(false);
                    return;
                }

                var routed = item.Routed!;
                var call = item.Call!;
                if (routed.Error is not null)
                {
                    run.Progress.CallEnded(group, false); // another of its calls failed already: the line fails anyway
                    return;
                }

                try
                {
                    var answer = await WithRetriesAsync(run, routed.Work.Line.Number, group,
                        c => lease.Chat.GetResponseAsync(routed.Request.Messages, call.Options, c), token).ConfigureAwait(false);
                    routed.Answers[call.Index] = answer;

                    // Kept even when a cancellation arrives right now: a resumed run reuses it.
                    await run.Context.Store.SavePartialAsync(new JobPartial(run.Context.Job.Id, routed.Work.Line.Number, call.Index,
                        SavedAnswer.Serialize(call.ExpertId, answer), run.Context.Worker), CancellationToken.None).ConfigureAwait(false);
                    run.Progress.CallEnded(group, true);
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    routed.Fail(e);
                    run.Progress.CallEnded(group, false);
                }
            }).ConfigureAwait(false);
        }

        run.Progress.Update(group, g => g.Finish());
    }

    /// <summary>
    /// Ends every routed line: the aggregation decision from its answers; lines whose answers settle it (vote, consensus,
    /// one instance) end at once; the syntheses are grouped by aggregator, each aggregator leased once for all of its.
    /// </summary>
    private async Task<string> AggregateAsync(Execution run, List<RoutedLine> routed)
    {
        if (routed.Count == 0)
        {
            return BatchStatuses.Completed;
        }

        var ct = run.Context.Token;
        run.Progress.Phase("aggregation", routed.Count);
        var syntheses = new List<(RoutedLine Line, MoeDraft Draft)>();
        foreach (var line in routed)
        {
            var routerGroup = run.RouterGroups[line.Work.Model];
            if (line.Error is not null)
            {
                await FailLineAsync(run, line.Work, line.Error, routerGroup).ConfigureAwait(false);
                continue;
            }

            try
            {
                var draft = await line.Work.Router!.DraftAsync(line.Request, line.Answers, ct).ConfigureAwait(false);
                if (draft.FinalText is null)
                {
                    syntheses.Add((line, draft));
                    continue;
                }

                await EndRoutedAsync(run, line, draft, null).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await FailLineAsync(run, line.Work, e, routerGroup).ConfigureAwait(false);
            }
        }

        foreach (var byAggregator in syntheses.GroupBy(s => s.Draft.Aggregator!, StringComparer.Ordinal))
        {
            if (Expired(run.Batch))
            {
                return BatchStatuses.Expired;
            }

            var lines = byAggregator.ToList();
            var group = run.Progress.AddGroup(byAggregator.Key, "aggregator", lines.Count);
            run.Progress.Message($"{byAggregator.Key}: synthesising {lines.Count} answer(s)");
            ExpertLease lease;
            try
            {
                lease = await AcquireAsync(run, byAggregator.Key, group).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                foreach (var (line, _) in lines)
                {
                    await FailLineAsync(run, line.Work, e, run.RouterGroups[line.Work.Model]).ConfigureAwait(false);
                    run.Progress.CallEnded(group, false);
                }

                run.Progress.Update(group, g => { g.State = "failed"; g.Finish(); });
                continue;
            }

            using (lease)
            {
                run.Progress.Update(group, g => { g.Start(); g.LoadedForBatch = lease.LoadedForThisRequest; });
                await Parallel.ForEachAsync(lines, new ParallelOptions { MaxDegreeOfParallelism = ParallelismFor(lease.Expert), CancellationToken = ct }, async (s, token) =>
                {
                    try
                    {
                        var synthesis = await WithRetriesAsync(run, s.Line.Work.Line.Number, group,
                            c => lease.Chat.GetResponseAsync(MoeExecutor.SynthesisMessages(s.Draft), MoeExecutor.SynthesisOptions(s.Line.Request.Options), c), token).ConfigureAwait(false);
                        run.Progress.CallEnded(group, true);
                        await EndRoutedAsync(run, s.Line, s.Draft, synthesis).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        run.Progress.CallEnded(group, false);
                        await FailLineAsync(run, s.Line.Work, e, run.RouterGroups[s.Line.Work.Model]).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            }

            run.Progress.Update(group, g => g.Finish());
        }

        foreach (var g in run.RouterGroups.Values)
        {
            run.Progress.Update(g, x => x.Finish());
        }

        return Expired(run.Batch) ? BatchStatuses.Expired : BatchStatuses.Completed;
    }

    /// <summary>Builds a routed line's answer (as online) and checkpoints it.</summary>
    private static async Task EndRoutedAsync(Execution run, RoutedLine line, MoeDraft draft, ChatResponse? synthesis)
    {
        var response = await line.Work.Router!.CompleteAsync(line.Request, draft, synthesis, CancellationToken.None).ConfigureAwait(false);
        await SaveAsync(run, line.Work, OkLine(line.Work.Line.CustomId, OpenAiOperations.RoutedBody(line.Work.Chat!, response).Response), true, run.RouterGroups[line.Work.Model]).ConfigureAwait(false);
    }

    /// <summary>Leases an expert for a whole group, retrying transient failures (e.g. memory held by busy models).</summary>
    private async Task<ExpertLease> AcquireAsync(Execution run, string expertId, BatchProgress.Group group)
    {
        var progress = new MessageProgress(run.Progress, expertId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await experts.AcquireAsync(expertId, progress, run.Context.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < _options.MaxLineAttempts && IsTransient(e))
            {
                run.Progress.Update(group, g => g.Retries++);
                await Task.Delay(Backoff(attempt), run.Context.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One line: count the computation, compute (retrying transient failures), checkpoint the result.</summary>
    private async Task RunLineAsync(Execution run, Work work, BatchProgress.Group group, Func<CancellationToken, Task<object>> compute, CancellationToken ct)
    {
        var context = run.Context;
        await context.Store.BeginItemAsync(context.Job.Id, work.Line.Number, context.Worker, ct).ConfigureAwait(false);
        try
        {
            var body = await WithRetriesAsync(run, work.Line.Number, group, compute, ct).ConfigureAwait(false);
            await SaveAsync(run, work, OkLine(work.Line.CustomId, body), true, group).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await FailLineAsync(run, work, e, group).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a computation of a line, retrying transient failures with back-off; the last failure is thrown.</summary>
    private async Task<T> WithRetriesAsync<T>(Execution run, int lineNumber, BatchProgress.Group group, Func<CancellationToken, Task<T>> compute, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await compute(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < _options.MaxLineAttempts && IsTransient(e) && !ct.IsCancellationRequested)
            {
                LogLineRetry(logger, run.Context.Job.Id, lineNumber, attempt, e.Message);
                run.Progress.Update(group, g => g.Retries++);
                await Task.Delay(Backoff(attempt), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The checkpoint is written even when a cancellation arrives right now: a finished line is kept.</summary>
    private static async Task SaveAsync(Execution run, Work work, string json, bool succeeded, BatchProgress.Group group)
    {
        var context = run.Context;
        await context.Store.SaveCheckpointAsync(new JobCheckpoint(context.Job.Id, work.Line.Number, succeeded, json, context.Worker), CancellationToken.None).ConfigureAwait(false);
        run.Progress.LineEnded(group, succeeded);
    }

    /// <summary>Ends a line with the error its failure maps to, as online.</summary>
    private static Task FailLineAsync(Execution run, Work work, Exception error, BatchProgress.Group group) =>
        SaveAsync(run, work, ResponseLine(work.Line.CustomId, ErrorMapper.Map(error, out _)), false, group);

    /// <summary>Writes the output and error files (input-line order) and ends the batch.</summary>
    private async Task<JobOutcome> FinalizeAsync(Execution run, string status)
    {
        var ct = CancellationToken.None; // the end must be recorded even when cancelled
        var id = run.Batch.Id;
        if (status == BatchStatuses.Completed
            && !await batches.TrySetStatusAsync(id, BatchStatuses.Finalizing, [BatchStatuses.Validating, BatchStatuses.InProgress, BatchStatuses.Finalizing], ct).ConfigureAwait(false)
            && (await batches.GetBatchAsync(id, ct).ConfigureAwait(false))?.Status == BatchStatuses.Cancelling)
        {
            status = BatchStatuses.Cancelled; // the cancellation came as the last lines finished: honour it
        }

        run.Progress.Phase("finalizing", 0);
        var checkpoints = (await run.Context.Store.GetCheckpointsAsync(id, ct).ConfigureAwait(false)).ToDictionary(c => (int)c.Item);
        var output = new List<string>();
        var errors = new List<string>();
        var customIds = run.Input.Lines.ToDictionary(l => l.Number, l => l.CustomId);
        foreach (var number in customIds.Keys.Concat(run.Immediate.Keys).Distinct().Order())
        {
            if (run.Immediate.TryGetValue(number, out var error))
            {
                errors.Add(error);
            }
            else if (checkpoints.TryGetValue(number, out var checkpoint))
            {
                (checkpoint.Succeeded ? output : errors).Add(checkpoint.Result);
            }
            else if (status == BatchStatuses.Expired)
            {
                errors.Add(ErrorLine(customIds[number], "batch_expired", $"Line {number}: the batch expired before this request ran.", number));
            }
        }

        var outputId = await WriteFileAsync(id, output, errors: false).ConfigureAwait(false);
        var errorId = await WriteFileAsync(id, errors, errors: true).ConfigureAwait(false);
        await batches.FinishAsync(run.Batch with
        {
            Status = status,
            OutputFileId = outputId,
            ErrorFileId = errorId,
            Errors = ErrorsJson(run.Input.Problems),
            Total = run.Input.Total,
            Completed = output.Count,
            Failed = errors.Count,
        }, ct).ConfigureAwait(false);
        run.Progress.SetCounts(output.Count, errors.Count);
        run.Progress.Phase("done", 0, $"{status}: {output.Count} succeeded, {errors.Count} failed of {run.Input.Total}");
        run.Context.ReportProgress(run.Progress.Snapshot());
        LogFinished(logger, id, status, output.Count, errors.Count, run.Input.Total);
        return OutcomeOf(status);
    }

    private async Task<string?> WriteFileAsync(string batchId, List<string> lines, bool errors)
    {
        var fileId = OutputFileId(batchId, errors);
        if (lines.Count == 0)
        {
            await batches.DeleteFileAsync(fileId, CancellationToken.None).ConfigureAwait(false);
            File.Delete(files.PathOf(fileId));
            return null;
        }

        var bytes = await files.WriteLinesAsync(fileId, lines, CancellationToken.None).ConfigureAwait(false);
        await batches.UpsertFileAsync(new StoredFile(fileId, "batch_output", $"{batchId}_{(errors ? "error" : "output")}.jsonl", bytes, time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        return fileId;
    }

    private async Task<JobOutcome> FailAsync(BatchRecord batch, string code, string message)
    {
        var errors = JsonSerializer.Serialize(new { @object = "list", data = new[] { new { code, message, param = (string?)null, line = (int?)null } } });
        await batches.FinishAsync(batch with { Status = BatchStatuses.Failed, Errors = errors }, CancellationToken.None).ConfigureAwait(false);
        LogFailed(logger, batch.Id, message);
        return JobOutcome.Failed(message);
    }

    private async Task FlushLoopAsync(Execution run, CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.ProgressInterval, time);
            (int Completed, int Failed)? written = null;
            do
            {
                try
                {
                    run.Context.ReportProgress(run.Progress.Snapshot());
                    await run.Context.FlushProgressAsync(ct).ConfigureAwait(false); // also how a cancel from elsewhere is seen
                    var counts = (run.Progress.Completed, run.Progress.Failed);
                    if (counts != written)
                    {
                        await batches.UpdateCountsAsync(run.Batch.Id, run.Progress.Total, counts.Completed, counts.Failed, ct).ConfigureAwait(false);
                        written = counts;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogProgressFailed(logger, run.Batch.Id, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private bool Expired(BatchRecord batch) => batch.ExpiresAt is { } at && time.GetUtcNow() > at;

    private TimeSpan Backoff(int attempt)
    {
        var ms = _options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromMilliseconds(Math.Min(30_000, ms * (0.75 + (0.5 * Random.Shared.NextDouble()))));
    }

    /// <summary>Failures worth retrying: the remote or the engine is busy or briefly unavailable; not bad requests.</summary>
    internal static bool IsTransient(Exception e) => e switch
    {
        ExpertUnavailableException u => u.UpstreamStatus is null or 429 or >= 500,
        EngineBusyException or ModelBudgetExceededException or TimeoutException or HttpRequestException => true,
        _ => false,
    };

    private static JobOutcome OutcomeOf(string status) => status switch
    {
        BatchStatuses.Completed => JobOutcome.Completed,
        BatchStatuses.Cancelled => JobOutcome.Cancelled("the batch was cancelled"),
        BatchStatuses.Expired => JobOutcome.Failed("the batch expired before all lines ran"),
        _ => JobOutcome.Failed("the batch failed"),
    };

    private static string? ErrorsJson(IReadOnlyList<BatchInputProblem> problems) => problems.Count == 0 ? null : JsonSerializer.Serialize(new
    {
        @object = "list",
        data = problems.Take(MaxListedErrors).Select(p => new { code = p.Code, message = p.Message, param = (string?)null, line = p.Number }),
    });

    private static string OkLine(string customId, object body) => Line(customId, Response(200, body), null);

    private static string ResponseLine(string customId, OpenAiException error) => Line(customId, Response(error.Status, ErrorMapper.Envelope(error)), null);

    private static string ErrorLine(string? customId, string code, string message, int line) =>
        Line(customId, null, new BatchLineErrorDto { Code = code, Message = message, Line = line });

    private static BatchLineResponseDto Response(int status, object body) =>
        new() { StatusCode = status, RequestId = "req_" + Guid.NewGuid().ToString("N"), Body = body };

    /// <summary>One output or error file line in OpenAI's format: a response, or an error the request never got past.</summary>
    private static string Line(string? customId, BatchLineResponseDto? response, BatchLineErrorDto? error) => JsonSerializer.Serialize(new BatchOutputLineDto
    {
        Id = "batch_req_" + Guid.NewGuid().ToString("N"),
        CustomId = customId,
        Response = response,
        Error = error,
    }, OpenAiJson.Options);

    /// <summary>One prepared line: the validated request and where it goes.</summary>
    private sealed record Work(BatchInputLine Line, string Model)
    {
        public ParsedChatRequest? Chat { get; init; }

        public ParsedEmbeddingRequest? Embeddings { get; init; }

        public ExpertDefinition? Expert { get; init; }

        public MoeChatClient? Router { get; init; }
    }

    /// <summary>One unit of the experts phase: a direct line, or one recruited instance of a routed line.</summary>
    private sealed record ExpertItem(string ExpertId, Work? Work, RoutedLine? Routed, InstanceCall? Call);

    /// <summary>A routed line between phases: its plan, its instances' answers as they come, the first failure.</summary>
    private sealed class RoutedLine(Work work, RoutedRequest request)
    {
        private Exception? _error;

        public Work Work { get; } = work;

        public RoutedRequest Request { get; } = request;

        public ChatResponse[] Answers { get; } = new ChatResponse[request.Calls.Count];

        public Exception? Error => Volatile.Read(ref _error);

        public void Fail(Exception error) => Interlocked.CompareExchange(ref _error, error, null);
    }

    /// <summary>State of one execution of a batch job.</summary>
    private sealed class Execution(JobContext context, BatchRecord batch, BatchInput input)
    {
        public JobContext Context { get; } = context;

        public BatchRecord Batch { get; } = batch;

        public BatchInput Input { get; } = input;

        /// <summary>Error lines known without running anything (malformed, invalid, unknown model), by line number.</summary>
        public SortedDictionary<int, string> Immediate { get; } = [];

        public BatchProgress Progress { get; } = new(input.Total);

        /// <summary>Per routed model, the group that counts its lines from routing to their end.</summary>
        public Dictionary<string, BatchProgress.Group> RouterGroups { get; } = new(StringComparer.Ordinal);
    }

    private sealed class MessageProgress(BatchProgress progress, string expertId) : IProgress<string>
    {
        public void Report(string value) => progress.Message($"{expertId}: {value}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}: {Total} lines, {Done} already done, {Pending} to run, {Rejected} rejected")]
    private static partial void LogStarting(ILogger logger, string batchId, int total, int done, int pending, int rejected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId} {Status}: {Completed} succeeded, {Failed} failed of {Total}")]
    private static partial void LogFinished(ILogger logger, string batchId, string status, int completed, int failed, int total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string batchId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: expert {Expert} is unusable, its {Lines} line(s) fail: {Error}")]
    private static partial void LogGroupFailed(ILogger logger, string batchId, string expert, int lines, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Batch {BatchId}, line {Line}: transient failure on try {Attempt}, retrying: {Error}")]
    private static partial void LogLineRetry(ILogger logger, string batchId, int line, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: could not write progress: {Error}")]
    private static partial void LogProgressFailed(ILogger logger, string batchId, string error);
}
