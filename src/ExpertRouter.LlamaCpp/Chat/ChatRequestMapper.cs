using System.Globalization;
using System.Text.Json;
using ExpertRouter.LlamaCpp.Generation;
using Microsoft.Extensions.AI;

namespace ExpertRouter.LlamaCpp.Chat;

/// <summary>
/// Maps <see cref="ChatOptions"/> onto engine settings. Extra keys in
/// <see cref="ChatOptions.AdditionalProperties"/>: <c>min_p</c>, <c>repetition_penalty</c>,
/// <c>logprobs</c> (bool), <c>top_logprobs</c> (int), <c>ignore_eos</c> (bool: generate to max tokens).
/// </summary>
public static class ChatRequestMapper
{
    public const string MinPKey = "min_p";
    public const string RepetitionPenaltyKey = "repetition_penalty";
    public const string LogProbsKey = "logprobs";
    public const string TopLogProbsKey = "top_logprobs";
    public const string IgnoreEosKey = "ignore_eos";

    public static SamplingOptions ToSampling(ChatOptions? options, SamplingOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        if (options is null)
        {
            return defaults;
        }

        return defaults with
        {
            Temperature = options.Temperature ?? defaults.Temperature,
            TopP = options.TopP ?? defaults.TopP,
            TopK = options.TopK ?? defaults.TopK,
            Seed = options.Seed ?? defaults.Seed,
            FrequencyPenalty = options.FrequencyPenalty ?? defaults.FrequencyPenalty,
            PresencePenalty = options.PresencePenalty ?? defaults.PresencePenalty,
            MinP = GetFloat(options, MinPKey) ?? defaults.MinP,
            RepetitionPenalty = GetFloat(options, RepetitionPenaltyKey) ?? defaults.RepetitionPenalty,
        };
    }

    public static bool WantsLogProbs(ChatOptions? options) => GetBool(options, LogProbsKey);

    public static bool IgnoresEos(ChatOptions? options) => GetBool(options, IgnoreEosKey);

    private static bool GetBool(ChatOptions? options, string key) =>
        options?.AdditionalProperties?.TryGetValue(key, out var v) == true && v switch
        {
            bool b => b,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            _ => false,
        };

    public static int TopLogProbs(ChatOptions? options) => options is null ? 0 : (int)(GetFloat(options, TopLogProbsKey) ?? 0);

    private static float? GetFloat(ChatOptions options, string key)
    {
        if (options.AdditionalProperties?.TryGetValue(key, out var value) != true || value is null)
        {
            return null;
        }

        return value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            long l => l,
            JsonElement { ValueKind: JsonValueKind.Number } e => (float)e.GetDouble(),
            string s when float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => f,
            _ => throw new ArgumentException($"'{key}' must be a number."),
        };
    }
}
