using System.Text;
using ExpertRouter.LlamaCpp.Native;
using Microsoft.Extensions.AI;

namespace ExpertRouter.LlamaCpp.Chat;

/// <summary>
/// Renders chat messages to a prompt with the model's own template (llama.cpp recognises the common
/// ones from the GGUF's <c>tokenizer.chat_template</c>); falls back to ChatML when the model has no
/// template or an unrecognised one.
/// </summary>
public static class ChatPromptFormatter
{
    /// <summary>Returns the prompt text and whether the fallback template was used.</summary>
    public static (string Prompt, bool UsedFallback) Format(string? modelTemplate, IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.Select(m => (Role: m.Role.Value, Content: m.Text ?? string.Empty)).ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one message is required.", nameof(messages));
        }

        if (!string.IsNullOrEmpty(modelTemplate))
        {
            var rendered = LlamaChatTemplate.Apply(modelTemplate, list, addAssistantPrefix: true);
            if (rendered is not null)
            {
                return (rendered, false);
            }
        }

        return (ChatMl(list), true);
    }

    internal static string ChatMl(IEnumerable<(string Role, string Content)> messages)
    {
        var sb = new StringBuilder();
        foreach (var (role, content) in messages)
        {
            sb.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");
        }

        return sb.Append("<|im_start|>assistant\n").ToString();
    }
}
