using Microsoft.Win32.SafeHandles;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// A persistent CPU thread pool (<c>ggml_threadpool_new</c>, from the CPU backend plugin) attached to a
/// context, so llama_decode does not start and join worker threads on every call.
/// </summary>
public sealed unsafe class SafeGgmlThreadpoolHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private static delegate* unmanaged[Cdecl]<GgmlThreadpoolParams*, IntPtr> s_new;
    private static delegate* unmanaged[Cdecl]<IntPtr, void> s_free;

    public SafeGgmlThreadpoolHandle() : base(ownsHandle: true) { }

    /// <summary>Creates a pool of <paramref name="threads"/> threads; null when the CPU backend does not offer one.</summary>
    public static SafeGgmlThreadpoolHandle? Create(int threads, uint poll)
    {
        LlamaLibrary.EnsureLoaded();
        if (s_new == null)
        {
            var reg = LlamaNative.ggml_backend_reg_by_name("CPU");
            if (reg == IntPtr.Zero)
            {
                return null;
            }

            var create = LlamaNative.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_new");
            var free = LlamaNative.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_free");
            if (create == IntPtr.Zero || free == IntPtr.Zero)
            {
                return null;
            }

            s_free = (delegate* unmanaged[Cdecl]<IntPtr, void>)free;
            s_new = (delegate* unmanaged[Cdecl]<GgmlThreadpoolParams*, IntPtr>)create;
        }

        var p = LlamaNative.ggml_threadpool_params_default(threads);
        p.poll = poll;
        var pool = s_new(&p);
        if (pool == IntPtr.Zero)
        {
            return null;
        }

        var handle = new SafeGgmlThreadpoolHandle();
        handle.SetHandle(pool);
        return handle;
    }

    protected override bool ReleaseHandle()
    {
        s_free(handle);
        return true;
    }
}
