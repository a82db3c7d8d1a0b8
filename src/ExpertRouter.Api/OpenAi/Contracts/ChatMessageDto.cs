using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExpertRouter.Api.OpenAi.Contracts;

/// <summary>A chat message: <c>role</c> (system, developer, user, assistant) and <c>content</c> (a string or text parts).</summary>
public sealed class ChatMessageDto
{
    /// <example>user</example>
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    /// <summary>A string, or an array of <c>{"type":"text","text":...}</c> parts.</summary>
    [JsonPropertyName("content")]
    public JsonElement? Content { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}
