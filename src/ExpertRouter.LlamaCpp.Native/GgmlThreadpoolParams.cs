using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>Mirror of <c>struct ggml_threadpool_params</c> (cpumask of GGML_MAX_N_THREADS = 512 bools).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GgmlThreadpoolParams
{
    public fixed byte cpumask[512];
    public int n_threads;
    public int prio;
    public uint poll;
    public byte strict_cpu;
    public byte paused;
}
