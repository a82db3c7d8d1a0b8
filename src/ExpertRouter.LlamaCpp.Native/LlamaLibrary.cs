using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// Loads llama.cpp's shared libraries from one folder, once per process: maps the logical library
/// names to absolute paths, loads the ggml backend plugins (CPU variants, CUDA) from that folder,
/// initialises the backend and checks that the version matches the structs we mirror.
/// Thread-safe; later calls with the same folder return the first result.
/// </summary>
public static unsafe class LlamaLibrary
{
    /// <summary>The llama.cpp version whose <c>llama.h</c> our structs mirror.</summary>
    public const string ExpectedVersion = "0.5.0";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, IntPtr> Handles = new(StringComparer.Ordinal);
    private static readonly List<string> LoadedBackendFiles = [];
    private static LlamaBackendInfo? s_info;
    private static bool s_resolverSet;
    private static Action<GgmlLogLevel, string>? s_logSink;
    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Recent = new();

    /// <summary>Receives llama.cpp's log lines (called from native threads; must not throw or block long).</summary>
    public static Action<GgmlLogLevel, string>? LogSink
    {
        get => s_logSink;
        set => s_logSink = value;
    }

    public static bool IsLoaded => Volatile.Read(ref s_info) is not null;

    public static LlamaBackendInfo Info => s_info ?? throw new InvalidOperationException("llama.cpp is not loaded yet.");

    /// <summary>Loads the libraries from <paramref name="directory"/>.</summary>
    /// <exception cref="NativeLibraryException">Libraries missing or unloadable, wrong version, or CUDA requested but unusable.</exception>
    public static LlamaBackendInfo Load(string directory, LlamaBackendKind kind = LlamaBackendKind.Cpu)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        directory = Path.GetFullPath(directory);
        lock (Gate)
        {
            if (s_info is not null)
            {
                if (!string.Equals(s_info.Directory, directory, StringComparison.Ordinal))
                {
                    throw new NativeLibraryException(
                        $"llama.cpp is already loaded from '{s_info.Directory}'; a process can use only one build (asked for '{directory}').");
                }

                return s_info;
            }

            if (!System.IO.Directory.Exists(directory))
            {
                throw new NativeLibraryException($"The llama.cpp library folder '{directory}' does not exist.");
            }

            var llama = FindLibrary(directory, "libllama", f => !f.Contains("libllama-common", StringComparison.Ordinal));
            var ggml = FindLibrary(directory, "libggml", f => !Path.GetFileName(f).StartsWith("libggml-", StringComparison.Ordinal));
            var ggmlBase = FindLibrary(directory, "libggml-base", _ => true);

            // Dependency order; RUNPATH $ORIGIN lets them find each other after that.
            Handles[LlamaNative.GgmlBaseLib] = LoadOne(ggmlBase);
            Handles[LlamaNative.GgmlLib] = LoadOne(ggml);
            Handles[LlamaNative.LlamaLib] = LoadOne(llama);
            if (!s_resolverSet)
            {
                NativeLibrary.SetDllImportResolver(typeof(LlamaNative).Assembly, Resolve);
                s_resolverSet = true;
            }

            var version = Marshal.PtrToStringUTF8((IntPtr)LlamaNative.llama_version()) ?? "";
            if (!version.StartsWith(ExpectedVersion, StringComparison.Ordinal))
            {
                throw new NativeLibraryException(
                    $"The llama.cpp library in '{directory}' reports version '{version}', but ExpertRouter mirrors the structs of llama.cpp {ExpectedVersion} " +
                    $"(node-llama-cpp {NativeLibraryProvisioner.NodeLlamaCppVersion}). Use that build, or remove the LibraryDirectory setting to let ExpertRouter fetch it.");
            }

            LlamaNative.ggml_log_set(&OnLog, IntPtr.Zero);
            LlamaNative.llama_log_set(&OnLog, IntPtr.Zero);

            // The backend plugins are searched next to the executable by default, which is the dotnet host.
            LlamaNative.ggml_backend_load_all_from_path(directory);
            LlamaNative.llama_backend_init();

            var devices = ListDevices();
            var info = new LlamaBackendInfo(directory, version, kind, [.. LoadedBackendFiles], devices,
                Marshal.PtrToStringUTF8((IntPtr)LlamaNative.llama_print_system_info()) ?? "");
            if (kind == LlamaBackendKind.Cuda && !info.HasGpu)
            {
                throw new NativeLibraryException(DescribeMissingCuda(directory));
            }

            Volatile.Write(ref s_info, info);
            return info;
        }
    }

    /// <summary>The last warning and error lines llama.cpp logged (for error messages: llama.cpp returns NULL without a reason).</summary>
    public static IReadOnlyList<string> RecentProblems(int max = 5) => [.. Recent.TakeLast(max)];

    internal static void EnsureLoaded()
    {
        if (!IsLoaded)
        {
            throw new InvalidOperationException("llama.cpp is not loaded: call LlamaLibrary.Load (or the engine's initialisation) first.");
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        Handles.TryGetValue(libraryName, out var h) ? h : IntPtr.Zero;

    private static string FindLibrary(string directory, string stem, Func<string, bool> accept)
    {
        // Names used by node-llama-cpp (libllama.v0.5.0.so, libllama.cuda.v0.5.0.so) and by a plain cmake build (libllama.so).
        var candidates = System.IO.Directory.GetFiles(directory, stem + "*.so*")
            .Where(accept)
            .Where(f => !f.EndsWith(".node", StringComparison.Ordinal))
            .OrderBy(f => Path.GetFileName(f).Length)
            .ToList();
        var exact = candidates.FirstOrDefault(f => Path.GetFileName(f) == stem + ".so");
        return exact ?? candidates.FirstOrDefault() ?? throw new NativeLibraryException(
            $"No {stem}*.so in '{directory}'. Expected the llama.cpp shared libraries (libllama, libggml, libggml-base and the libggml-cpu-* plugins).");
    }

    private static IntPtr LoadOne(string path)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new NativeLibraryException($"Could not load '{path}': {e.Message}", e);
        }
        catch (BadImageFormatException e)
        {
            throw new NativeLibraryException($"'{path}' is not a loadable shared library for this platform: {e.Message}", e);
        }
    }

    private static List<LlamaDeviceInfo> ListDevices()
    {
        var list = new List<LlamaDeviceInfo>();
        var n = (int)LlamaNative.ggml_backend_dev_count();
        for (var i = 0; i < n; i++)
        {
            var dev = LlamaNative.ggml_backend_dev_get((nuint)i);
            LlamaNative.ggml_backend_dev_memory(dev, out var free, out var total);
            list.Add(new LlamaDeviceInfo(
                Marshal.PtrToStringUTF8((IntPtr)LlamaNative.ggml_backend_dev_name(dev)) ?? "?",
                Marshal.PtrToStringUTF8((IntPtr)LlamaNative.ggml_backend_dev_description(dev)) ?? "?",
                LlamaNative.ggml_backend_dev_type(dev), free, total));
        }

        return list;
    }

    private static string DescribeMissingCuda(string directory)
    {
        var missing = new List<string>();
        if (!File.Exists(Path.Combine(directory, "libggml-cuda.so")))
        {
            missing.Add($"libggml-cuda.so (not in '{directory}': is this the CUDA package?)");
        }

        foreach (var lib in new[] { "libcuda.so.1", "libcudart.so.13", "libcublas.so.13" })
        {
            if (NativeLibrary.TryLoad(lib, out var h))
            {
                NativeLibrary.Free(h);
            }
            else
            {
                missing.Add(lib + (lib == "libcuda.so.1" ? " (the NVIDIA driver)" : " (CUDA 13 runtime)"));
            }
        }

        return missing.Count > 0
            ? $"CUDA was requested but these libraries could not be loaded: {string.Join(", ", missing)}. Install them (or add their folder to LD_LIBRARY_PATH), or set the backend to Cpu."
            : "CUDA was requested and its libraries load, but ggml found no CUDA device. Check nvidia-smi and CUDA_VISIBLE_DEVICES, or set the backend to Cpu.";
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnLog(GgmlLogLevel level, byte* text, IntPtr userData)
    {
        try
        {
            var line = Marshal.PtrToStringUTF8((IntPtr)text);
            if (string.IsNullOrEmpty(line))
            {
                return;
            }

            line = line.TrimEnd('\n');
            const string marker = "backend from ";
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0 && line.Contains("loaded", StringComparison.Ordinal))
            {
                lock (LoadedBackendFiles)
                {
                    LoadedBackendFiles.Add(line[(at + marker.Length)..].Trim());
                }
            }

            if (level is GgmlLogLevel.GGML_LOG_LEVEL_WARN or GgmlLogLevel.GGML_LOG_LEVEL_ERROR)
            {
                Recent.Enqueue(line);
                while (Recent.Count > 32 && Recent.TryDequeue(out _))
                {
                }
            }

            s_logSink?.Invoke(level, line);
        }
#pragma warning disable CA1031 // a native callback must never throw
        catch
        {
        }
#pragma warning restore CA1031
    }
}
