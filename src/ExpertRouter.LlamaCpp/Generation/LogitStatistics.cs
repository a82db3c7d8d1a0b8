using System.Numerics.Tensors;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// Statistics of one full-vocabulary logit vector: log-sum-exp (for log-probabilities) and the
/// self-certainty KL(U || p) = -(1/V) Σ log p_j - log V = lse - mean(logits) - log V.
/// </summary>
internal static class LogitStatistics
{
    /// <summary>Computes log-sum-exp and self-certainty; <paramref name="scratch"/> must hold V floats.</summary>
    public static (float LogSumExp, float SelfCertainty) Compute(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        var v = logits.Length;
        var max = TensorPrimitives.Max(logits);
        var work = scratch[..v];
        TensorPrimitives.Subtract(logits, max, work);
        TensorPrimitives.Exp(work, work);
        var lse = max + MathF.Log(TensorPrimitives.Sum(work));
        var mean = TensorPrimitives.Sum(logits) / v;
        return (lse, lse - mean - MathF.Log(v));
    }
}
