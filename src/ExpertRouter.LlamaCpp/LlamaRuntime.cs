using ExpertRouter.LlamaCpp.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.LlamaCpp;

/// <summary>
/// Brings llama.cpp up once per process: fetches the libraries if needed, loads them, checks the
/// version and logs which backend is in use. Thread-safe; concurrent callers share one initialisation.
/// </summary>
public static partial class LlamaRuntime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static bool IsInitialized => LlamaLibrary.IsLoaded;

    public static LlamaBackendInfo Info => LlamaLibrary.Info;

    public static async Task<LlamaBackendInfo> InitializeAsync(LlamaEngineOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        if (LlamaLibrary.IsLoaded)
        {
            return LlamaLibrary.Info;
        }

        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (LlamaLibrary.IsLoaded)
            {
                return LlamaLibrary.Info;
            }

            var directory = options.LibraryDirectory;
            if (string.IsNullOrWhiteSpace(directory))
            {
                var provisioner = new NativeLibraryProvisioner(
                    options.CacheDirectory ?? NativeLibraryProvisioner.DefaultCacheRoot, m => LogProvisioning(logger, m));
                directory = await provisioner.EnsureBinariesAsync(options.Backend, cancellationToken).ConfigureAwait(false);
            }

            var minLevel = options.NativeLogLevel;
            LlamaLibrary.LogSink = (level, line) =>
            {
                if (level >= minLevel && level != GgmlLogLevel.GGML_LOG_LEVEL_CONT)
                {
                    LogNative(logger, level, line);
                }
            };
            var info = LlamaLibrary.Load(directory, options.Backend);
            LogBackend(logger, info.Summary);
            return info;
        }
        finally
        {
            Gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message}")]
    private static partial void LogProvisioning(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "llama.cpp backend: {Summary}")]
    private static partial void LogBackend(ILogger logger, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "llama.cpp [{Level}] {Line}")]
    private static partial void LogNative(ILogger logger, GgmlLogLevel level, string line);
}
