namespace ExpertRouter.LlamaCpp.Native;

/// <summary>What was loaded: library folder, llama.cpp version, backend files and devices.</summary>
public sealed record LlamaBackendInfo(
    string Directory,
    string Version,
    LlamaBackendKind Kind,
    IReadOnlyList<string> LoadedBackends,
    IReadOnlyList<LlamaDeviceInfo> Devices,
    string SystemInfo)
{
    /// <summary>True when a GPU device is available to offload layers to.</summary>
    public bool HasGpu => Devices.Any(d => d.Type is GgmlBackendDevType.GGML_BACKEND_DEVICE_TYPE_GPU or GgmlBackendDevType.GGML_BACKEND_DEVICE_TYPE_IGPU);

    /// <summary>True for builds whose CPU backend runs its threads with OpenMP (it manages them itself).</summary>
    public bool UsesOpenMp => SystemInfo.Contains("OPENMP = 1", StringComparison.Ordinal);

    /// <summary>A one-line description for logs, e.g. "llama.cpp 0.5.0-dev, CPU backend libggml-cpu-haswell.so".</summary>
    public string Summary =>
        $"llama.cpp {Version}, {(HasGpu ? "GPU: " + string.Join(", ", Devices.Where(d => d.Type != GgmlBackendDevType.GGML_BACKEND_DEVICE_TYPE_CPU).Select(d => d.Description)) : "CPU only")}; backends: {string.Join(", ", LoadedBackends.Select(Path.GetFileName))}; from {Directory}";
}
