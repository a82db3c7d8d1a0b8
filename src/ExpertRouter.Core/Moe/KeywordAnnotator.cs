using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Routing;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Core.Moe;

/// <summary>
/// Skill annotation by a keyword model (ALGORITHMS.md §1 step 1 and 4): several samples at a
/// temperature, keep the normalised keywords that repeat across samples. Used by profiling and by
/// routing, so both see keywords made the same way.
/// </summary>
public sealed class KeywordAnnotator(PromptLibrary prompts)
{
    public async Task<IReadOnlyList<string>> AnnotateAsync(IChatClient chat, string question, int samples, float temperature, int minSamples, int? seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var prompt = prompts.Render("keyword-annotation", new Dictionary<string, string> { ["question"] = question });
        var outputs = await Task.WhenAll(Enumerable.Range(0, samples).Select(async s =>
        {
            var options = new ChatOptions { Temperature = temperature, MaxOutputTokens = 64, Seed = (seed ?? 0) * 100L + s + 1 };
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], options, cancellationToken).ConfigureAwait(false);
            return KeywordNormalizer.ParseModelOutput(response.Text);
        })).ConfigureAwait(false);
        return KeywordNormalizer.KeepRepeated(outputs, Math.Min(minSamples, samples));
    }
}
