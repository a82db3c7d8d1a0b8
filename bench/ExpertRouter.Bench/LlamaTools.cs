using System.Diagnostics;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.Bench;

/// <summary>Builds llama.cpp's own tools from the exact source our binaries come from, once, cached outside the repo.</summary>
internal static class LlamaTools
{
    public static async Task<string> EnsureAsync(string tool)
    {
        var provisioner = new NativeLibraryProvisioner(NativeLibraryProvisioner.DefaultCacheRoot, Console.WriteLine);
        var source = await provisioner.EnsureSourceAsync();
        var build = Path.Combine(provisioner.CacheRoot, "tools", $"llama.cpp-{NativeLibraryProvisioner.NodeLlamaCppVersion}-build");
        var exe = Path.Combine(build, "bin", tool);
        if (File.Exists(exe))
        {
            return exe;
        }

        Console.WriteLine($"Building {tool} from {source} into {build} (once; several minutes on 2 cores)...");
        await RunAsync("cmake", ["-S", source, "-B", build, "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_USE_PREBUILT_UI=OFF",
            "-DLLAMA_OPENSSL=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=OFF"]);
        await RunAsync("cmake", ["--build", build, "--target", tool, "-j", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return File.Exists(exe) ? exe : throw new InvalidOperationException($"The build finished but {exe} does not exist.");
    }

    public static async Task<string> RunAsync(string file, IEnumerable<string> args, bool echo = true, string? libraryDirectory = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (libraryDirectory is not null)
        {
            psi.Environment["LD_LIBRARY_PATH"] = libraryDirectory;
            psi.WorkingDirectory = libraryDirectory;
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var output = new System.Text.StringBuilder();
        void Sink(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (echo)
            {
                Console.WriteLine("  | " + e.Data);
            }
        }

        p.OutputDataReceived += Sink;
        p.ErrorDataReceived += Sink;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {p.ExitCode}:\n{output}");
        }

        return output.ToString();
    }
}
