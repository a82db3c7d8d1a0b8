using System.Text;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.LlamaCpp.Generation;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace ExpertRouter.Api.OpenAi;

/// <summary>Turns the engine's per-token data (local) or the remote's log-probabilities into OpenAI's logprobs shape.</summary>
public static class LogProbConverter
{
    public const string Key = "logprobs";

    public static List<TokenLogProbDto>? From(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || !properties.TryGetValue(Key, out var value) || value is null)
        {
            return null;
        }

        return value switch
        {
            IEnumerable<GeneratedToken> local => [.. local.Select(t => new TokenLogProbDto
            {
                Token = t.Text,
                LogProb = t.LogProb,
                Bytes = Bytes(t.Text),
                TopLogProbs = t.TopLogProbs?.Select(a => new TokenLogProbDto { Token = a.Text, LogProb = a.LogProb, Bytes = Bytes(a.Text) }).ToList() ?? [],
            })],
            IEnumerable<ChatTokenLogProbabilityDetails> remote => [.. remote.Select(t => new TokenLogProbDto
            {
                Token = t.Token,
                LogProb = t.LogProbability,
                Bytes = t.Utf8Bytes is { } b ? [.. b.ToArray().Select(x => (int)x)] : Bytes(t.Token),
                TopLogProbs = [.. t.TopLogProbabilities.Select(a => new TokenLogProbDto { Token = a.Token, LogProb = a.LogProbability, Bytes = Bytes(a.Token) })],
            })],
            _ => null,
        };
    }

    private static int[] Bytes(string text) => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];
}
