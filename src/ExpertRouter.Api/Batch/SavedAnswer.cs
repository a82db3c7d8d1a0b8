using System.Text.Json;
using ExpertRouter.LlamaCpp.Chat;
using Microsoft.Extensions.AI;

namespace ExpertRouter.Api.Batch;

/// <summary>
/// One recruited instance's answer to a routed batch line, as stored between phases (a job part): what aggregation
/// reads from it (text, finish reason, token usage, self-certainty) and which expert gave it.
/// </summary>
internal static class SavedAnswer
{
    public static string Serialize(string expertId, ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var certainty = response.AdditionalProperties?.TryGetValue(LlamaChatClient.SelfCertaintyKey, out var v) == true && v is double d ? d : (double?)null;
        return JsonSerializer.Serialize(new Stored(
            expertId,
            response.Text,
            response.FinishReason?.Value,
            response.Usage?.InputTokenCount,
            response.Usage?.OutputTokenCount,
            response.Usage?.TotalTokenCount,
            certainty));
    }

    /// <summary>The answer, when <paramref name="json"/> is a stored answer of <paramref name="expertId"/>; otherwise null (compute it again).</summary>
    public static ChatResponse? TryRestore(string json, string expertId)
    {
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(json);
        }
        catch (JsonException)
        {
            return null;
        }

        if (stored is null || stored.Expert != expertId || stored.Text is null)
        {
            return null;
        }

        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, stored.Text))
        {
            FinishReason = stored.Finish is null ? null : new ChatFinishReason(stored.Finish),
            Usage = stored.Input is null && stored.Output is null ? null : new UsageDetails
            {
                InputTokenCount = stored.Input,
                OutputTokenCount = stored.Output,
                TotalTokenCount = stored.Total,
            },
        };
        if (stored.Certainty is { } c)
        {
            response.AdditionalProperties = new() { [LlamaChatClient.SelfCertaintyKey] = c };
        }

        return response;
    }

    private sealed record Stored(string Expert, string? Text, string? Finish, long? Input, long? Output, long? Total, double? Certainty);
}
