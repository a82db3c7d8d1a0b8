namespace ExpertRouter.LlamaCpp.Native;

/// <summary>Which prebuilt llama.cpp to use.</summary>
public enum LlamaBackendKind
{
    /// <summary>CPU build with runtime-selected ISA variants (npm <c>@node-llama-cpp/linux-x64</c>).</summary>
    Cpu,

    /// <summary>CUDA 13 build (npm <c>@node-llama-cpp/linux-x64-cuda</c>); needs the CUDA runtime and driver on the machine.</summary>
    Cuda,
}
