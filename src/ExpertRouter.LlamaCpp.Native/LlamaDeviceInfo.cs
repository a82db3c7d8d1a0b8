namespace ExpertRouter.LlamaCpp.Native;

/// <summary>A compute device ggml found (CPU, GPU, ...), with its memory where the backend reports it.</summary>
public sealed record LlamaDeviceInfo(string Name, string Description, GgmlBackendDevType Type, ulong FreeBytes, ulong TotalBytes);
