using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>Mirror of <c>llama_token_data</c> (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LlamaTokenData
{
    public int id;
    public float logit;
    public float p;
}
