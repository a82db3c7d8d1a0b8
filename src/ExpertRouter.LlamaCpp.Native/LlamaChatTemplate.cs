using System.Runtime.InteropServices;
using System.Text;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// llama.cpp's built-in chat template engine (<c>llama_chat_apply_template</c>): it recognises the
/// common templates (ChatML, Llama 2/3, Gemma, Phi, Mistral, ...) by their text. Thread-safe.
/// </summary>
public static unsafe class LlamaChatTemplate
{
    /// <summary>Formats messages with a template; returns null when llama.cpp does not recognise the template.</summary>
    public static string? Apply(string template, IReadOnlyList<(string Role, string Content)> messages, bool addAssistantPrefix)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(messages);
        LlamaLibrary.EnsureLoaded();

        var handles = new List<IntPtr>(messages.Count * 2 + 1);
        try
        {
            IntPtr Utf8(string s)
            {
                var bytes = Encoding.UTF8.GetBytes(s);
                var p = Marshal.AllocHGlobal(bytes.Length + 1);
                handles.Add(p);
                Marshal.Copy(bytes, 0, p, bytes.Length);
                ((byte*)p)[bytes.Length] = 0;
                return p;
            }

            var tmpl = (byte*)Utf8(template);
            var chat = new LlamaChatMessage[messages.Count];
            var total = 0;
            for (var i = 0; i < messages.Count; i++)
            {
                chat[i].role = (byte*)Utf8(messages[i].Role);
                chat[i].content = (byte*)Utf8(messages[i].Content);
                total += messages[i].Role.Length + messages[i].Content.Length;
            }

            var capacity = Math.Max(256, total * 2 + 256);
            while (true)
            {
                var buf = new byte[capacity];
                int n;
                fixed (LlamaChatMessage* c = chat)
                fixed (byte* b = buf)
                {
                    n = LlamaNative.llama_chat_apply_template(tmpl, c, (nuint)chat.Length, (byte)(addAssistantPrefix ? 1 : 0), b, capacity);
                }

                if (n < 0)
                {
                    return null;
                }

                if (n <= capacity)
                {
                    return Encoding.UTF8.GetString(buf, 0, n);
                }

                capacity = n;
            }
        }
        finally
        {
            foreach (var h in handles)
            {
                Marshal.FreeHGlobal(h);
            }
        }
    }
}
