using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace ExpertRouter.LlamaCpp.Native;

/// <summary>
/// Obtains llama.cpp from the npm registry (<c>npm pack</c>, no install, no node_modules) into a
/// per-user cache, once: the prebuilt shared libraries for <see cref="LlamaBackendKind"/>, and the
/// exact source they were built from (a git bundle inside <c>node-llama-cpp</c>) for the layout
/// test and the benchmark. Safe to call from several processes at once (file lock per item).
/// </summary>
public sealed class NativeLibraryProvisioner(string cacheRoot, Action<string>? log = null)
{
    /// <summary>The node-llama-cpp release whose llama.cpp (0.5.0) our bindings mirror.</summary>
    public const string NodeLlamaCppVersion = "3.22.1";

    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(15);

    public string CacheRoot { get; } = Path.GetFullPath(cacheRoot);

    /// <summary><c>$EXPERTROUTER_CACHE</c>, else <c>$XDG_CACHE_HOME/expertrouter</c>, else <c>~/.cache/expertrouter</c>.</summary>
    public static string DefaultCacheRoot
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("EXPERTROUTER_CACHE");
            if (!string.IsNullOrWhiteSpace(env))
            {
                return env;
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(string.IsNullOrWhiteSpace(xdg) ? Path.Combine(home, ".cache") : xdg, "expertrouter");
        }
    }

    /// <summary>Returns the folder holding the shared libraries for <paramref name="kind"/>, fetching them first if needed.</summary>
    public async Task<string> EnsureBinariesAsync(LlamaBackendKind kind, CancellationToken cancellationToken = default)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new NativeLibraryException(
                $"Prebuilt llama.cpp is fetched only for linux-x64 (this is {RuntimeInformation.RuntimeIdentifier}). Build llama.cpp {LlamaLibrary.ExpectedVersion} yourself and set the LibraryDirectory setting to its folder of shared libraries.");
        }

        var (package, inner) = kind switch
        {
            LlamaBackendKind.Cuda => ("@node-llama-cpp/linux-x64-cuda", "package/bins/linux-x64-cuda"),
            _ => ("@node-llama-cpp/linux-x64", "package/bins/linux-x64"),
        };
        var target = Path.Combine(CacheRoot, "native", $"node-llama-cpp-{NodeLlamaCppVersion}", kind.ToString().ToLowerInvariant());
        await EnsureAsync(target, async staging =>
        {
            var extracted = await PackAndExtractAsync(package, staging, cancellationToken).ConfigureAwait(false);
            var bins = Path.Combine(extracted, inner);
            if (!Directory.Exists(bins))
            {
                throw new NativeLibraryException($"npm package {package}@{NodeLlamaCppVersion} has no '{inner}' folder.");
            }

            return bins;
        }, cancellationToken).ConfigureAwait(false);
        return target;
    }

    /// <summary>Returns a checkout of the llama.cpp source the binaries were built from (needs git).</summary>
    public async Task<string> EnsureSourceAsync(CancellationToken cancellationToken = default)
    {
        var target = Path.Combine(CacheRoot, "source", $"llama.cpp-node-llama-cpp-{NodeLlamaCppVersion}");
        await EnsureAsync(target, async staging =>
        {
            var extracted = await PackAndExtractAsync("node-llama-cpp", staging, cancellationToken).ConfigureAwait(false);
            var bundle = Path.Combine(extracted, "package", "llama", "gitRelease.bundle");
            if (!File.Exists(bundle))
            {
                throw new NativeLibraryException($"node-llama-cpp@{NodeLlamaCppVersion} has no llama/gitRelease.bundle.");
            }

            var checkout = Path.Combine(staging, "llama.cpp");
            await RunAsync("git", ["clone", "--quiet", bundle, checkout], staging,
                "git is needed to unpack the llama.cpp source bundle; install git.", cancellationToken).ConfigureAwait(false);
            return checkout;
        }, cancellationToken).ConfigureAwait(false);
        return target;
    }

    private async Task EnsureAsync(string target, Func<string, Task<string>> produce, CancellationToken cancellationToken)
    {
        var marker = Path.Combine(target, ".expertrouter-complete");
        if (File.Exists(marker))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var held = await AcquireLockAsync(target + ".lock", cancellationToken).ConfigureAwait(false);
        if (File.Exists(marker))
        {
            return;
        }

        var staging = target + ".staging-" + Environment.ProcessId;
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        try
        {
            var produced = await produce(staging).ConfigureAwait(false);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(produced, target);
            await File.WriteAllTextAsync(marker, NodeLlamaCppVersion, cancellationToken).ConfigureAwait(false);
            log?.Invoke($"llama.cpp files ready in {target}");
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private async Task<string> PackAndExtractAsync(string package, string staging, CancellationToken cancellationToken)
    {
        var spec = $"{package}@{NodeLlamaCppVersion}";
        log?.Invoke($"Fetching {spec} from the npm registry (once; cached in {CacheRoot})");
        var packDir = Path.Combine(staging, "pack");
        Directory.CreateDirectory(packDir);
        await RunAsync("npm", ["pack", spec, "--pack-destination", packDir, "--silent"], packDir,
            "npm (Node.js) is needed to fetch the llama.cpp libraries from the npm registry; install Node.js/npm, or set the LibraryDirectory setting to a folder with llama.cpp shared libraries.",
            cancellationToken).ConfigureAwait(false);
        var tgz = Directory.GetFiles(packDir, "*.tgz").SingleOrDefault()
            ?? throw new NativeLibraryException($"npm pack {spec} produced no .tgz file.");
        var extracted = Path.Combine(staging, "extracted");
        Directory.CreateDirectory(extracted);
        await using (var file = File.OpenRead(tgz))
        await using (var gz = new GZipStream(file, CompressionMode.Decompress))
        {
            await TarFile.ExtractToDirectoryAsync(gz, extracted, overwriteFiles: true, cancellationToken).ConfigureAwait(false);
        }

        File.Delete(tgz);
        return extracted;
    }

    private static async Task RunAsync(string tool, IReadOnlyList<string> args, string workingDirectory, string missingHint, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new NativeLibraryException($"Could not start {tool}. {missingHint}");
        }
        catch (Win32Exception e)
        {
            throw new NativeLibraryException($"'{tool}' was not found on PATH. {missingHint}", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(NpmTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0)
            {
                var err = (await stderr.ConfigureAwait(false)).Trim();
                var output = (await stdout.ConfigureAwait(false)).Trim();
                var detail = string.Join("\n", new[] { err, output }.Where(s => s.Length > 0));
                if (detail.Length > 2000)
                {
                    detail = detail[^2000..];
                }

                throw new NativeLibraryException($"'{tool} {string.Join(' ', args)}' failed with exit code {process.ExitCode}: {detail}");
            }
        }
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
