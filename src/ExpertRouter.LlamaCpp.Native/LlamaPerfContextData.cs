using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>Mirror of <c>struct llama_perf_context_data</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct LlamaPerfContextData
{
    public double t_start_ms;
    public double t_load_ms;
    public double t_p_eval_ms;
    public double t_eval_ms;
    public int n_p_eval;
    public int n_eval;
    public int n_reused;
}
