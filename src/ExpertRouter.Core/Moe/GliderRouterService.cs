using System.Collections.Concurrent;
using System.Globalization;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.VectorStore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// GLIDER-style global routing (ALGORITHMS.md section 3): a router model writes a one-sentence task
/// instruction for the query; it is embedded and compared (cosine) with each expert's task
/// description embedding — the expert's own description, or one generated from its skill profile —
/// kept in the vector store. The similarity is a score on its own (alpha = 1) or blended with the
/// Symbolic-MoE probabilities by alpha.
/// </summary>
public sealed class GliderRouterService(
    RouterContext context,
    IExpertClientProvider experts,
    IVectorStore vectors,
    RouterEmbedder embedder,
    PromptLibrary prompts,
    SymbolicMoeService symbolic,
    IOptions<MoeOptions> options) : IMoeRouter, IDisposable
{
    public const string Collection = "er-descriptions";
    private readonly ConcurrentDictionary<string, string> _indexed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _indexGate = new(1, 1);
    private readonly MoeOptions _options = options.Value;

    public string Name => "glider";

    public string ModelId => "moe/glider";

    public string Description => "GLIDER-style: a router model writes a one-sentence task instruction; the expert whose task description is most similar answers.";

    public async Task<RoutingPlan> PlanAsync(string question, MoeOverrides requestOverrides, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestOverrides);
        var profile = await context.ProfileAsync(requestOverrides.Profile, required: false, cancellationToken).ConfigureAwait(false);
        var registered = await context.RegisteredAsync(cancellationToken).ConfigureAwait(false);
        if (registered.Count == 0)
        {
            throw new MoeUnavailableException("There are no experts to route to.");
        }

        await IndexDescriptionsAsync(registered, profile, cancellationToken).ConfigureAwait(false);
        var instructionModel = _options.InstructionModel
            ?? (profile?.KeywordModel is { } km && registered.Any(e => e.Id == km) ? km : registered[0].Id);
        string instruction;
        using (var lease = await experts.AcquireAsync(instructionModel, null, cancellationToken).ConfigureAwait(false))
        {
            var prompt = prompts.Render(PromptNames.TaskInstruction, new Dictionary<string, string> { ["question"] = question });
            var response = await lease.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0, MaxOutputTokens = 64 }, cancellationToken).ConfigureAwait(false);
            instruction = FirstSentence(response.Text);
        }

        var query = KMeans.Normalized((await embedder.EmbedAsync([instruction.Length > 0 ? instruction : question], cancellationToken).ConfigureAwait(false))[0]);
        var ids = registered.Select(e => e.Id).ToList();
        var hits = await vectors.SearchAsync(Collection, query, ids.Count, VectorFilter.WhereAny("expert", ids), cancellationToken).ConfigureAwait(false);
        var similarity = ids.ToDictionary(id => id, id => (double)(hits.FirstOrDefault(h => h.Payload["expert"] == id)?.Score ?? 0f), StringComparer.Ordinal);
        var gliderProbabilities = SimilarityRouting.Softmax([.. ids.Select(id => similarity[id])], _options.SimilarityTemperature);

        var alpha = Math.Clamp(_options.GliderAlpha, 0, 1);
        double[]? symbolicProbabilities = null;
        RoutingExplanation? symbolicExplanation = null;
        if (alpha < 1 && profile is not null)
        {
            var plan = await symbolic.PlanAsync(question, requestOverrides, cancellationToken).ConfigureAwait(false);
            symbolicExplanation = plan.Explanation;
            symbolicProbabilities = [.. ids.Select(id => plan.Explanation.Experts.FirstOrDefault(e => e.ExpertId == id)?.Probability ?? 0)];
        }

        var probabilities = symbolicProbabilities is null
            ? gliderProbabilities
            : [.. gliderProbabilities.Select((p, i) => alpha * p + (1 - alpha) * symbolicProbabilities[i])];
        var (chosen, strategy) = SimilarityRouting.Select(probabilities, requestOverrides.K ?? _options.EmbeddingRouterK, requestOverrides.TopP);
        var explanation = new RoutingExplanation
        {
            Router = Name,
            Profile = profile?.Id,
            ProfileVersion = profile?.Version ?? 0,
            KeywordModel = instructionModel,
            Embedder = embedder.Name,
            Instruction = instruction,
            Keywords = symbolicExplanation?.Keywords ?? [],
            Scores = [.. ids.Select((id, i) => new RouterExpertScore(id, similarity[id], probabilities[i], gliderProbabilities[i], symbolicProbabilities?[i]))],
            Strategy = (symbolicProbabilities is null ? "instruction-similarity" : $"instruction-similarity x{alpha.ToString(CultureInfo.InvariantCulture)} + symbolic-moe") + "; " + strategy,
            Selected = [.. chosen.Select(i => ids[i])],
        };
        return new RoutingPlan(question, profile, explanation.Selected, explanation);
    }

    /// <summary>The text an expert is described by: its description, or one generated from its profile.</summary>
    public static string DescriptionText(ExpertDefinition expert, SkillProfileSet? profile)
    {
        ArgumentNullException.ThrowIfNull(expert);
        if (!string.IsNullOrWhiteSpace(expert.Description))
        {
            return expert.Description!;
        }

        var p = profile?.Experts.FirstOrDefault(e => e.ExpertId == expert.Id);
        if (p is null || p.KeywordScores.Count == 0)
        {
            return $"{expert.DisplayName ?? expert.Id}: a general assistant.";
        }

        var strong = p.KeywordScores.Where(k => k.Value > 0).OrderByDescending(k => k.Value).Take(6).Select(k => k.Key);
        var weak = p.KeywordScores.Where(k => k.Value < 0).OrderBy(k => k.Value).Take(3).Select(k => k.Key);
        return $"Good at tasks about {string.Join(", ", strong)}. Weaker at {string.Join(", ", weak)}.";
    }

    /// <summary>Embeds the description of every expert whose text changed since it was indexed.</summary>
    private async Task IndexDescriptionsAsync(IReadOnlyList<ExpertDefinition> registered, SkillProfileSet? profile, CancellationToken cancellationToken)
    {
        var texts = registered.ToDictionary(e => e.Id, e => DescriptionText(e, profile), StringComparer.Ordinal);
        if (texts.All(t => _indexed.TryGetValue(t.Key, out var old) && old == t.Value))
        {
            return;
        }

        await _indexGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changed = texts.Where(t => !_indexed.TryGetValue(t.Key, out var old) || old != t.Value).ToList();
            if (changed.Count == 0)
            {
                return;
            }

            var embedded = await embedder.EmbedAsync([.. changed.Select(c => c.Value)], cancellationToken).ConfigureAwait(false);
            await vectors.EnsureCollectionAsync(Collection, embedded[0].Length, cancellationToken).ConfigureAwait(false);
            await vectors.UpsertAsync(Collection, [.. changed.Select((c, i) => new VectorPoint("desc/" + c.Key, KMeans.Normalized(embedded[i]), new Dictionary<string, string>
            {
                ["expert"] = c.Key,
                ["text"] = c.Value.Length > 500 ? c.Value[..500] : c.Value,
            }))], cancellationToken).ConfigureAwait(false);
            foreach (var c in changed)
            {
                _indexed[c.Key] = c.Value;
            }
        }
        finally
        {
            _indexGate.Release();
        }
    }

    public void Dispose() => _indexGate.Dispose();

    private static string FirstSentence(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        line = line.Trim('"', '\'', ' ');
        return line.Length > 300 ? line[..300] : line;
    }
}
