using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Testing;

/// <summary>
/// A fake LLM with known per-skill accuracy, for routing logic tests. It recognises four prompts:
/// task instruction (one sentence naming the question's skills),
/// skill annotation (answers the question's true skills, plus a random distractor now and then that
/// changes between samples), aggregation (picks among the candidates: with probability
/// <c>AggregatorSkill</c> the correct one if present, else the majority), and answering (correct with
/// the accuracy of the question's skills, wrong answers mostly on one plausible distractor;
/// deterministic per question at temperature 0, per seed otherwise).
/// </summary>
public sealed partial class ScriptedExpert(string id, ScriptedWorld world, IReadOnlyDictionary<string, double> accuracy, double defaultAccuracy, double aggregatorSkill = 0.5) : IChatClient
{
    private static readonly string[] Distractors = ["reading", "general knowledge", "logic", "memory", "attention", "trivia"];
    private int _calls;
    private int _unseeded;

    public string Id => id;

    /// <summary>Answering calls (not annotation or aggregation).</summary>
    public int AnswerCalls => Volatile.Read(ref _calls);

    public double AccuracyFor(ScriptedQuestion q) => q.Skills.Average(s => accuracy.TryGetValue(s, out var a) ? a : defaultAccuracy);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
        var q = world.Find(prompt);
        var seed = (int)(options?.Seed ?? (options?.Temperature is > 0 ? Interlocked.Increment(ref _unseeded) : 0));
        string text;
        if (prompt.Contains("One-sentence task description:", StringComparison.Ordinal))
        {
            text = q is null ? "Answer a general question." : $"Answer a multiple-choice question about {string.Join(" and ", q.Skills)}.";
        }
        else if (prompt.Contains("Keywords:", StringComparison.Ordinal))
        {
            var rng = new Random(Mix(q?.Number ?? 0, seed, 7));
            var lines = (q?.Skills ?? ["general knowledge"]).ToList();
            if (rng.NextDouble() < 0.5)
            {
                lines.Add(Distractors[rng.Next(Distractors.Length)]);
            }

            text = string.Join("\n", lines);
        }
        else if (prompt.Contains("Candidate responses:", StringComparison.Ordinal) && q is not null)
        {
            var letters = CandidateAnswer().Matches(prompt).Select(m => m.Groups[1].Value).ToList();
            var rng = new Random(Mix(q.Number, Hash(id), 11));
            var pick = letters.Contains(q.Gold) && rng.NextDouble() < aggregatorSkill
                ? q.Gold
                : letters.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => letters.IndexOf(g.Key)).Select(g => g.Key).FirstOrDefault() ?? "A";
            text = $"Weighing the candidates, the best supported choice is {pick}.\nAnswer: {pick}";
        }
        else if (q is not null)
        {
            Interlocked.Increment(ref _calls);
            var rng = new Random(Mix(q.Number, Hash(id), seed));
            var correct = rng.NextDouble() < AccuracyFor(q);
            // Wrong answers are correlated, as with real multiple-choice distractors: most go to the
            // question's one plausible wrong choice.
            var offset = rng.NextDouble() < 0.75 ? 1 + (q.Number % 3) : 1 + rng.Next(3);
            var letter = correct ? q.Gold : ((char)('A' + ((q.Gold[0] - 'A' + offset) % 4))).ToString();
            text = $"Thinking about {string.Join(" and ", q.Skills)}.\nAnswer: {letter}";
        }
        else
        {
            text = "I do not know.\nAnswer: A";
        }

        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = id,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = prompt.Length / 4, OutputTokenCount = text.Length / 4, TotalTokenCount = (prompt.Length + text.Length) / 4 },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, response.Text) { ModelId = id };
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(response.Usage!)]) { ModelId = id, FinishReason = ChatFinishReason.Stop };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>Deterministic across processes (HashCode.Combine is randomised per process).</summary>
    private static int Mix(int a, int b, int c)
    {
        var h = 0x9E3779B97F4A7C15UL;
        foreach (var v in new[] { a, b, c })
        {
            h ^= (ulong)(uint)v;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 31;
        }

        return (int)(h & int.MaxValue);
    }

    private static int Hash(string s)
    {
        var h = 17;
        foreach (var ch in s)
        {
            h = unchecked(h * 31 + ch);
        }

        return h;
    }

    [GeneratedRegex(@"Candidate \d+:\n(?:.*\n)*?Answer: ([A-J])")]
    private static partial Regex CandidateAnswer();
}
