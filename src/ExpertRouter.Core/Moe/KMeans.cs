using System.Numerics.Tensors;

namespace ExpertRouter.Core.Moe;

/// <summary>Spherical k-means (cosine) with k-means++ seeding; deterministic for a seed. Centroids are L2-normalised.</summary>
public static class KMeans
{
    public static float[][] Centroids(IReadOnlyList<float[]> vectors, int k, int seed = 17, int iterations = 20)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0 || k <= 0)
        {
            return [];
        }

        var points = vectors.Select(Normalized).ToArray();
        k = Math.Min(k, points.Length);
        var rng = new Random(seed);
        var centroids = new List<float[]> { points[rng.Next(points.Length)] };
        while (centroids.Count < k)
        {
            var distances = points.Select(p => centroids.Min(c => 1 - TensorPrimitives.Dot(p, c))).Select(d => Math.Max(0, d) * Math.Max(0, d)).ToArray();
            var total = distances.Sum();
            if (total <= 0)
            {
                break;
            }

            var u = rng.NextDouble() * total;
            var next = 0;
            for (; next < distances.Length - 1 && (u -= distances[next]) > 0; next++)
            {
            }

            centroids.Add(points[next]);
        }

        var assignment = new int[points.Length];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var changed = false;
            for (var i = 0; i < points.Length; i++)
            {
                var best = 0;
                var bestSim = float.NegativeInfinity;
                for (var c = 0; c < centroids.Count; c++)
                {
                    var sim = TensorPrimitives.Dot(points[i], centroids[c]);
                    if (sim > bestSim)
                    {
                        (best, bestSim) = (c, sim);
                    }
                }

                changed |= assignment[i] != best;
                assignment[i] = best;
            }

            for (var c = 0; c < centroids.Count; c++)
            {
                var members = points.Where((_, i) => assignment[i] == c).ToList();
                if (members.Count == 0)
                {
                    continue;
                }

                var sum = new float[points[0].Length];
                foreach (var m in members)
                {
                    TensorPrimitives.Add(sum, m, sum);
                }

                centroids[c] = Normalized(sum);
            }

            if (!changed && iteration > 0)
            {
                break;
            }
        }

        return [.. centroids];
    }

    public static float[] Normalized(float[] v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var norm = TensorPrimitives.Norm(v);
        var result = (float[])v.Clone();
        if (norm > 0)
        {
            TensorPrimitives.Divide(result, norm, result);
        }

        return result;
    }
}
