using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp;

/// <summary>Process-wide llama.cpp settings (configuration section <c>ExpertRouter:Llama</c>).</summary>
public sealed class LlamaEngineOptions
{
    /// <summary>Cpu (default) or Cuda. Cuda fails at start-up, naming the missing library, when the CUDA runtime is absent.</summary>
    public LlamaBackendKind Backend { get; set; } = LlamaBackendKind.Cpu;

    /// <summary>A folder with your own llama.cpp 0.5.0 shared libraries; when empty they are fetched from npm.</summary>
    public string? LibraryDirectory { get; set; }

    /// <summary>Where fetched libraries are cached; defaults to <see cref="NativeLibraryProvisioner.DefaultCacheRoot"/>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Forward llama.cpp's own log lines at or above this level (Warn by default).</summary>
    public GgmlLogLevel NativeLogLevel { get; set; } = GgmlLogLevel.GGML_LOG_LEVEL_WARN;
}
