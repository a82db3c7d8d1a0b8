using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>Mirror of <c>llama_chat_message</c>: two UTF-8, NUL-terminated strings.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct LlamaChatMessage
{
    public byte* role;
    public byte* content;
}
