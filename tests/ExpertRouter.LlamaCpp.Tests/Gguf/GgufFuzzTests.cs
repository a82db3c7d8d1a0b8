using System.Buffers.Binary;
using System.Diagnostics;
using ExpertRouter.LlamaCpp.Gguf;
using Xunit.Abstractions;

namespace ExpertRouter.LlamaCpp.Tests.Gguf;

public sealed class GgufFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 20000;

    private static readonly byte[] SpecialBytes = [0x00, 0xFF, 0x7F, 0x80];

    private static readonly ulong[] HugeValues =
    [
        1UL << 60, 1UL << 40, 1UL << 32, 1UL << 31, (1UL << 30) + 1, ulong.MaxValue, long.MaxValue, 0x8000_0000_0000_0000UL,
        0xFFFF_FFFF, 0x7FFF_FFFF, 0, 1, 5, 13, 64, 1000, 65536,
    ];

    [Fact]
    public void Mutated_headers_either_read_or_fail_with_GgufFormatException()
    {
        var spec = TestModelSpec.Tiny with { VocabSize = 600, Seed = 4 };
        using var ms = new MemoryStream();
        TestModelGenerator.Generate(spec, ms);
        var original = ms.ToArray();
        var fields = GgufHeaderFields.Walk(original, out var headerEnd);
        var header = original[..headerEnd];
        var tail = original.Length - headerEnd;

        var rng = new Random(20240611);
        var outcomes = new Dictionary<string, int>();
        var examples = new Dictionary<string, string>();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var mutated = Mutate(header, fields, rng);
            string outcome;
            try
            {
                using var stream = new ZeroTailStream(mutated, tail);
                var file = GgufReader.Read(stream, "fuzz.gguf");
                var info = GgufModelInfo.FromFile(file);
                info.Validate();
                _ = info.EstimateMemory(512, 2);
                outcome = "ok";
            }
            catch (GgufFormatException ex)
            {
                Assert.Equal("fuzz.gguf", ex.FilePath);
                Assert.Contains("fuzz.gguf", ex.Message, StringComparison.Ordinal);
                outcome = ex.Problem.ToString();
                examples.TryAdd(outcome, ex.Message);
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: {ex.GetType().Name} escaped: {ex}");
                throw;
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        sw.Stop();
        foreach (var (problem, message) in examples)
        {
            output.WriteLine($"{problem}: {message}");
        }

        output.WriteLine($"{Iterations} mutations in {sw.Elapsed.TotalSeconds:F2} s: " + string.Join(", ", outcomes.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"fuzzing took {sw.Elapsed}");

        // The mutations reach many different checks, and some leave the file valid.
        Assert.True(outcomes.Count >= 8, string.Join(", ", outcomes.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(outcomes.GetValueOrDefault("ok") > 0);
        Assert.True(outcomes.GetValueOrDefault(nameof(GgufProblem.LimitExceeded)) > 0);
        Assert.True(outcomes.GetValueOrDefault(nameof(GgufProblem.Truncated)) > 0);
    }

    private static byte[] Mutate(byte[] header, List<GgufHeaderFields.Field> fields, Random rng)
    {
        var bytes = new List<byte>(header);
        var rounds = 1 + rng.Next(3);
        for (var r = 0; r < rounds; r++)
        {
            var pos = rng.Next(bytes.Count);
            switch (rng.Next(7))
            {
                case 0:
                    bytes[pos] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                    bytes[pos] = (byte)rng.Next(256);
                    break;
                case 2:
                    bytes[pos] = SpecialBytes[rng.Next(SpecialBytes.Length)];
                    break;
                case 3:
                    var insert = new byte[1 + rng.Next(16)];
                    rng.NextBytes(insert);
                    bytes.InsertRange(pos, insert);
                    break;
                case 4:
                    bytes.RemoveRange(pos, Math.Min(1 + rng.Next(16), bytes.Count - pos));
                    break;
                case 5:
                    // Aim at the fields the reader trusts least: counts, lengths, types, dimensions, offsets.
                    var f = fields[rng.Next(fields.Count)];
                    if (f.Offset + f.Size <= bytes.Count)
                    {
                        var v = HugeValues[rng.Next(HugeValues.Length)];
                        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes).Slice(f.Offset, f.Size);
                        if (f.Size == 8)
                        {
                            BinaryPrimitives.WriteUInt64LittleEndian(span, v);
                        }
                        else
                        {
                            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)v);
                        }
                    }

                    break;
                default:
                    bytes.RemoveRange(pos, bytes.Count - pos);
                    if (bytes.Count == 0)
                    {
                        return [];
                    }

                    break;
            }

            if (bytes.Count == 0)
            {
                return [];
            }
        }

        return [.. bytes];
    }
}
