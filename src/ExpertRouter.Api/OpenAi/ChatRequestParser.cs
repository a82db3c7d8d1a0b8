using System.Text.Json;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.LlamaCpp.Chat;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Api.OpenAi;

/// <summary>Validates a chat completion body; every problem is a 400 naming the parameter.</summary>
public static class ChatRequestParser
{
    public const int MaxMessages = 4096;
    public const int MaxTokensLimit = 1_000_000;

    public static ParsedChatRequest Parse(ChatCompletionRequest? body, int maxChoices)
    {
        if (body is null)
        {
            throw OpenAiException.Invalid("The request body must be a JSON object.", null, "invalid_json");
        }

        if (string.IsNullOrWhiteSpace(body.Model))
        {
            throw OpenAiException.Invalid("'model' is required: the id of an expert or router (GET /v1/models).", "model", "missing_required_parameter");
        }

        if (body.Messages is null)
        {
            throw OpenAiException.Invalid("'messages' is required.", "messages", "missing_required_parameter");
        }

        if (body.Messages.Count == 0)
        {
            throw OpenAiException.Invalid("'messages' must contain at least one message.", "messages", "empty_array");
        }

        if (body.Messages.Count > MaxMessages)
        {
            throw OpenAiException.Invalid($"'messages' has {body.Messages.Count} messages; at most {MaxMessages} are accepted.", "messages");
        }

        var messages = new List<ChatMessage>(body.Messages.Count);
        for (var i = 0; i < body.Messages.Count; i++)
        {
            messages.Add(ParseMessage(body.Messages[i], $"messages[{i}]"));
        }

        var maxTokens = body.MaxCompletionTokens ?? body.MaxTokens;
        var maxParam = body.MaxCompletionTokens is not null ? "max_completion_tokens" : "max_tokens";
        Range(maxTokens is null or (>= 1 and <= MaxTokensLimit), maxParam, maxTokens, $"1..{MaxTokensLimit}");
        Range(body.Temperature is null || (float.IsFinite(body.Temperature.Value) && body.Temperature is >= 0 and <= 2), "temperature", body.Temperature, "0..2");
        Range(body.TopP is null || (float.IsFinite(body.TopP.Value) && body.TopP is > 0 and <= 1), "top_p", body.TopP, "(0, 1]");
        Range(body.TopK is null or (>= 0 and <= 100_000), "top_k", body.TopK, "0..100000");
        Range(body.MinP is null || (float.IsFinite(body.MinP.Value) && body.MinP is >= 0 and < 1), "min_p", body.MinP, "[0, 1)");
        Range(body.RepetitionPenalty is null || (float.IsFinite(body.RepetitionPenalty.Value) && body.RepetitionPenalty is > 0 and <= 10), "repetition_penalty", body.RepetitionPenalty, "(0, 10]");
        Range(body.FrequencyPenalty is null || (float.IsFinite(body.FrequencyPenalty.Value) && body.FrequencyPenalty is >= -2 and <= 2), "frequency_penalty", body.FrequencyPenalty, "-2..2");
        Range(body.PresencePenalty is null || (float.IsFinite(body.PresencePenalty.Value) && body.PresencePenalty is >= -2 and <= 2), "presence_penalty", body.PresencePenalty, "-2..2");
        Range(body.N is null || (body.N >= 1 && body.N <= maxChoices), "n", body.N, $"1..{maxChoices}");
        Range(body.TopLogProbs is null or (>= 0 and <= 20), "top_logprobs", body.TopLogProbs, "0..20");
        if (body.TopLogProbs > 0 && body.LogProbs != true)
        {
            throw OpenAiException.Invalid("'top_logprobs' requires 'logprobs': true.", "top_logprobs");
        }

        var stream = body.Stream == true;
        if (body.StreamOptions is not null && !stream)
        {
            throw OpenAiException.Invalid("'stream_options' is only allowed when 'stream' is true.", "stream_options");
        }

        var options = new ChatOptions
        {
            ModelId = body.Model,
            MaxOutputTokens = maxTokens,
            Temperature = body.Temperature,
            TopP = body.TopP,
            TopK = body.TopK,
            Seed = body.Seed,
            FrequencyPenalty = body.FrequencyPenalty,
            PresencePenalty = body.PresencePenalty,
            StopSequences = ParseStop(body.Stop),
            AdditionalProperties = [],
        };
        if (body.MinP is { } minP)
        {
            options.AdditionalProperties[ChatRequestMapper.MinPKey] = minP;
        }

        if (body.RepetitionPenalty is { } rp)
        {
            options.AdditionalProperties[ChatRequestMapper.RepetitionPenaltyKey] = rp;
        }

        if (body.IgnoreEos == true)
        {
            options.AdditionalProperties[ChatRequestMapper.IgnoreEosKey] = true;
        }

        foreach (var (key, value) in body.Extra ?? [])
        {
            options.AdditionalProperties.TryAdd(key, value); // router overrides (k, routing_top_p, aggregation, ...)
        }

        var logProbs = body.LogProbs == true;
        if (logProbs)
        {
            options.AdditionalProperties[ChatRequestMapper.LogProbsKey] = true;
            options.AdditionalProperties[ChatRequestMapper.TopLogProbsKey] = body.TopLogProbs ?? 0;
        }

        return new ParsedChatRequest(body.Model, messages, options, body.N ?? 1, stream,
            body.StreamOptions?.IncludeUsage == true, logProbs,
            body.Extra ?? new Dictionary<string, JsonElement>());
    }

    private static ChatMessage ParseMessage(ChatMessageDto? m, string param)
    {
        if (m is null)
        {
            throw OpenAiException.Invalid($"'{param}' must be an object with 'role' and 'content'.", param);
        }

        var role = m.Role switch
        {
            null => throw OpenAiException.Invalid($"'{param}.role' is required.", param + ".role", "missing_required_parameter"),
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            "tool" or "function" => throw OpenAiException.Invalid($"'{param}.role' '{m.Role}': tool calls are not supported by ExpertRouter.", param + ".role", "unsupported_value"),
            _ => throw OpenAiException.Invalid($"'{param}.role' must be one of system, developer, user, assistant (got '{m.Role}').", param + ".role"),
        };
        var content = ParseContent(m.Content, param + ".content");
        if (content is null && role != ChatRole.Assistant)
        {
            throw OpenAiException.Invalid($"'{param}.content' is required.", param + ".content", "missing_required_parameter");
        }

        return new ChatMessage(role, content ?? string.Empty);
    }

    private static string? ParseContent(JsonElement? content, string param)
    {
        if (content is not { } c || c.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString();
        }

        if (c.ValueKind != JsonValueKind.Array)
        {
            throw OpenAiException.Invalid($"'{param}' must be a string or an array of text parts.", param, "invalid_type");
        }

        var parts = new List<string>();
        var i = 0;
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw OpenAiException.Invalid($"'{param}[{i}]' must be an object with a 'type'.", $"{param}[{i}]", "invalid_type");
            }

            if (type.GetString() != "text")
            {
                throw OpenAiException.Invalid($"'{param}[{i}].type' '{type.GetString()}' is not supported; only text parts are.", $"{param}[{i}].type", "unsupported_value");
            }

            if (!part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                throw OpenAiException.Invalid($"'{param}[{i}].text' must be a string.", $"{param}[{i}].text", "invalid_type");
            }

            parts.Add(text.GetString()!);
            i++;
        }

        return string.Concat(parts);
    }

    private static List<string> ParseStop(JsonElement? stop)
    {
        if (stop is not { } s || s.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        List<string> list = s.ValueKind switch
        {
            JsonValueKind.String => [s.GetString()!],
            JsonValueKind.Array when s.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. s.EnumerateArray().Select(e => e.GetString()!)],
            _ => throw OpenAiException.Invalid("'stop' must be a string or an array of strings.", "stop", "invalid_type"),
        };
        if (list.Count > 16 || list.Any(x => x.Length is 0 or > 256))
        {
            throw OpenAiException.Invalid("'stop' takes at most 16 non-empty strings of at most 256 characters.", "stop");
        }

        return list;
    }

    private static void Range(bool ok, string param, object? value, string range)
    {
        if (!ok)
        {
            throw OpenAiException.Invalid($"'{param}' = {value} is out of range; allowed {range}.", param);
        }
    }
}
