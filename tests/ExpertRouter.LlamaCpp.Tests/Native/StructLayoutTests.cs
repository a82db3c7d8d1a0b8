using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Tests.Native;

/// <summary>
/// Compiles a C program against the llama.h of the exact llama.cpp source our binaries come from
/// and compares sizeof/offsetof of every mirrored struct and the value of every mirrored enum
/// constant with the C# side. Needs no model and no loaded library.
/// </summary>
public sealed class StructLayoutTests
{
    private static readonly (Type Type, string C)[] Structs =
    [
        (typeof(LlamaModelParams), "struct llama_model_params"),
        (typeof(LlamaContextParams), "struct llama_context_params"),
        (typeof(LlamaBatch), "llama_batch"),
        (typeof(LlamaTokenData), "llama_token_data"),
        (typeof(LlamaTokenDataArray), "llama_token_data_array"),
        (typeof(LlamaSamplerChainParams), "llama_sampler_chain_params"),
        (typeof(LlamaChatMessage), "llama_chat_message"),
        (typeof(LlamaPerfContextData), "struct llama_perf_context_data"),
        (typeof(GgmlThreadpoolParams), "struct ggml_threadpool_params"),
    ];

    private static readonly Type[] Enums =
    [
        typeof(LlamaSplitMode), typeof(LlamaLoadMode), typeof(LlamaLazyMode), typeof(LlamaContextType),
        typeof(LlamaRopeScalingType), typeof(LlamaPoolingType), typeof(LlamaAttentionType),
        typeof(LlamaFlashAttnType), typeof(LlamaVocabType), typeof(GgmlLogLevel), typeof(GgmlBackendDevType),
    ];

    [Fact]
    public async Task EveryStructSizeFieldOffsetAndEnumValue_MatchesLlamaHeader()
    {
        var source = await new NativeLibraryProvisioner(NativeLibraryProvisioner.DefaultCacheRoot).EnsureSourceAsync();
        var expected = new Dictionary<string, long>(StringComparer.Ordinal);
        var c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include \"llama.h\"\nint main(void) {\n");
        foreach (var (type, cName) in Structs)
        {
            var key = type.Name;
            expected[key] = Marshal.SizeOf(type);
            c.Append(CultureInfo.InvariantCulture, $"  printf(\"{key} %zu\\n\", sizeof({cName}));\n");
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public))
            {
                var fkey = $"{key}.{field.Name}";
                expected[fkey] = Marshal.OffsetOf(type, field.Name).ToInt64();
                c.Append(CultureInfo.InvariantCulture, $"  printf(\"{fkey} %zu\\n\", offsetof({cName}, {field.Name}));\n");
            }
        }

        foreach (var type in Enums)
        {
            Assert.Equal(typeof(int), Enum.GetUnderlyingType(type));
            foreach (var name in Enum.GetNames(type))
            {
                expected[name] = Convert.ToInt64(Enum.Parse(type, name), CultureInfo.InvariantCulture);
                c.Append(CultureInfo.InvariantCulture, $"  printf(\"{name} %lld\\n\", (long long){name});\n");
            }
        }

        c.Append("  return 0;\n}\n");

        var dir = Directory.CreateTempSubdirectory("er-layout-");
        try
        {
            var file = Path.Combine(dir.FullName, "layout.c");
            await File.WriteAllTextAsync(file, c.ToString());
            var exe = Path.Combine(dir.FullName, "layout");
            var (rc, output) = await RunAsync("g++", ["-x", "c++", "-std=c++17", "-I", Path.Combine(source, "include"),
                "-I", Path.Combine(source, "ggml", "include"), file, "-o", exe]);
            Assert.True(rc == 0, "The layout program did not compile (a mirrored field name missing from llama.h?):\n" + output);
            (rc, output) = await RunAsync(exe, []);
            Assert.Equal(0, rc);

            var actual = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' '))
                .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
            var mismatches = expected.Where(e => !actual.TryGetValue(e.Key, out var v) || v != e.Value)
                .Select(e => $"{e.Key}: C# {e.Value}, C {(actual.TryGetValue(e.Key, out var v) ? v : "missing")}")
                .ToList();
            Assert.True(mismatches.Count == 0, "Layout mismatches:\n" + string.Join("\n", mismatches));
            Assert.Equal(80, actual["LlamaModelParams"]);
            Assert.Equal(160, actual["LlamaContextParams"]);
            Assert.Equal(56, actual["LlamaBatch"]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
