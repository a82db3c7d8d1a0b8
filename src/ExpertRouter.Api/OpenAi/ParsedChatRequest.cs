using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Api.OpenAi;

/// <summary>A validated chat request in engine-neutral form.</summary>
public sealed record ParsedChatRequest(
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    ChatOptions Options,
    int Choices,
    bool Stream,
    bool IncludeUsage,
    bool LogProbs,
    IReadOnlyDictionary<string, JsonElement> Extra)
{
    /// <summary>Options for choice <paramref name="index"/>: with a seed, choice i uses seed + i so choices differ yet repeat.</summary>
    public ChatOptions OptionsFor(int index)
    {
        if (index == 0 || Options.Seed is null)
        {
            return Options;
        }

        var clone = Options.Clone();
        clone.Seed = Options.Seed + index;
        return clone;
    }
}
