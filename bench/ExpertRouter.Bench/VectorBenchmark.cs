using System.Diagnostics;
using System.Globalization;
using ExpertRouter.Core.VectorStore;

namespace ExpertRouter.Bench;

/// <summary>
/// The embedded vector index: exact cosine top-k search latency (p50/p99, with and without a payload filter on
/// one of 16 "expert" groups) for 10,000 and 100,000 random vectors of 384 and 512 dimensions, recall@k against a
/// brute-force double-precision scan (exact search must give 1.000), insert rate, and the time to write the
/// collection file and load it back.
/// </summary>
internal static class VectorBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var counts = Ints(Args.String(args, "--counts") ?? "10000,100000");
        var dimensions = Ints(Args.String(args, "--dims") ?? "384,512");
        var queries = Args.Int(args, "--queries", 2000);
        var recallQueries = Args.Int(args, "--recall-queries", 100);
        var groups = Args.Int(args, "--groups", 16);
        var k = Args.Int(args, "--k", 10);

        Console.WriteLine($"embedded vector index: exact cosine top-{k}, {groups} payload groups, {queries} queries per row, " +
                          $"recall@{k} vs brute force over {recallQueries} queries; {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine($"{"vectors",8} {"dims",5} {"insert/s",10} | {"p50 ms",7} {"p99 ms",7} {"recall",7} | {"filtered p50",12} {"p99",7} {"recall",7} | {"save ms",8} {"load ms",8} {"file MB",8}");
        var failed = false;
        foreach (var count in counts)
        {
            foreach (var dims in dimensions)
            {
                failed |= !await RunOneAsync(count, dims, queries, recallQueries, groups, k);
            }
        }

        Console.WriteLine();
        Console.WriteLine("recall is exactness: any value below 1.000 is a bug.");
        return failed ? 1 : 0;
    }

    private static async Task<bool> RunOneAsync(int count, int dims, int queries, int recallQueries, int groups, int k)
    {
        var random = new Random(count + dims);
        var vectors = new float[count][];
        var points = new VectorPoint[count];
        for (var i = 0; i < count; i++)
        {
            vectors[i] = Gaussian(random, dims);
            var payload = new Dictionary<string, string>
            {
                ["expert"] = Group(i % groups),
                ["kind"] = i % 3 == 0 ? "pilot" : "answer",
            };
            points[i] = new VectorPoint(Id(i), vectors[i], payload);
        }

        var directory = Directory.CreateTempSubdirectory("er-bench-vec-").FullName;
        try
        {
            double insertPerSecond, saveMs, loadMs, fileMb;
            var store = new EmbeddedVectorStore(new EmbeddedVectorStoreOptions { Directory = directory, FlushDelay = TimeSpan.FromHours(1) });
            await using (store)
            {
                await store.EnsureCollectionAsync("bench", dims);
                var watch = Stopwatch.StartNew();
                for (var start = 0; start < count; start += 1000)
                {
                    await store.UpsertAsync("bench", points.AsMemory(start, Math.Min(1000, count - start)).ToArray());
                }

                insertPerSecond = count / watch.Elapsed.TotalSeconds;
                watch.Restart();
                await store.FlushAsync();
                saveMs = watch.Elapsed.TotalMilliseconds;
                fileMb = new FileInfo(Path.Combine(directory, "bench.vec")).Length / 1e6;
            }

            var load = Stopwatch.StartNew();
            await using var loaded = new EmbeddedVectorStore(new EmbeddedVectorStoreOptions { Directory = directory });
            loadMs = load.Elapsed.TotalMilliseconds;
            if (await loaded.CountAsync("bench") != count)
            {
                Console.WriteLine("reloaded collection has the wrong count");
                return false;
            }

            var queryVectors = Enumerable.Range(0, queries).Select(_ => Gaussian(random, dims)).ToArray();
            var filters = Enumerable.Range(0, queries).Select(q => VectorFilter.Where("expert", Group(q % groups))).ToArray();
            // Warm up (first-call compilation, CPU caches), so the timed queries measure the steady state.
            var warmUp = Stopwatch.StartNew();
            for (var q = 0; q < 200 || warmUp.ElapsedMilliseconds < 500; q++)
            {
                await loaded.SearchAsync("bench", queryVectors[q % queries], k);
                await loaded.SearchAsync("bench", queryVectors[q % queries], k, filters[q % queries]);
            }

            var plain = await LatenciesAsync(loaded, queryVectors, k, null);
            var filtered = await LatenciesAsync(loaded, queryVectors, k, filters);

            var norms = vectors.Select(v => Math.Sqrt(v.Sum(x => (double)x * x))).ToArray();
            var recall = await RecallAsync(loaded, vectors, norms, queryVectors, Math.Min(recallQueries, queries), k, null, groups);
            var recallFiltered = await RecallAsync(loaded, vectors, norms, queryVectors, Math.Min(recallQueries, queries), k, filters, groups);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{count,8} {dims,5} {insertPerSecond,10:F0} | {Percentile(plain, 0.50),7:F3} {Percentile(plain, 0.99),7:F3} {recall,7:F3} | {Percentile(filtered, 0.50),12:F3} {Percentile(filtered, 0.99),7:F3} {recallFiltered,7:F3} | {saveMs,8:F0} {loadMs,8:F0} {fileMb,8:F1}"));
            return recall == 1.0 && recallFiltered == 1.0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<double[]> LatenciesAsync(EmbeddedVectorStore store, float[][] queries, int k, VectorFilter[]? filters)
    {
        var ms = new double[queries.Length];
        for (var q = 0; q < queries.Length; q++)
        {
            var start = Stopwatch.GetTimestamp();
            await store.SearchAsync("bench", queries[q], k, filters?[q]);
            ms[q] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(ms);
        return ms;
    }

    /// <summary>The share of the brute-force top-k ids that the store returned.</summary>
    private static async Task<double> RecallAsync(EmbeddedVectorStore store, float[][] vectors, double[] norms, float[][] queries, int n, int k, VectorFilter[]? filters, int groups)
    {
        var expected = new HashSet<string>[n];
        Parallel.For(0, n, q =>
        {
            var query = queries[q];
            var qNorm = Math.Sqrt(query.Sum(x => (double)x * x));
            var best = new PriorityQueue<int, double>();
            for (var i = 0; i < vectors.Length; i++)
            {
                if (filters is not null && i % groups != q % groups)
                {
                    continue;
                }

                var v = vectors[i];
                double dot = 0;
                for (var d = 0; d < v.Length; d++)
                {
                    dot += (double)v[d] * query[d];
                }

                var score = dot / (norms[i] * qNorm);
                if (best.Count < k)
                {
                    best.Enqueue(i, score);
                }
                else if (best.TryPeek(out _, out var worst) && score > worst)
                {
                    best.DequeueEnqueue(i, score);
                }
            }

            expected[q] = [.. best.UnorderedItems.Select(e => Id(e.Element))];
        });

        var found = 0;
        var total = 0;
        for (var q = 0; q < n; q++)
        {
            var hits = await store.SearchAsync("bench", queries[q], k, filters?[q]);
            found += hits.Count(h => expected[q].Contains(h.Id));
            total += expected[q].Count;
        }

        return (double)found / total;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static string Id(int i) => "p" + i.ToString("D6", CultureInfo.InvariantCulture);

    private static string Group(int g) => "expert-" + g.ToString(CultureInfo.InvariantCulture);

    private static int[] Ints(string list) => [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

    private static float[] Gaussian(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return v;
    }
}
