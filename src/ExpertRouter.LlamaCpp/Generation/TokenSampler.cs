using System.Numerics.Tensors;

namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>
/// Chooses tokens for one sequence. Order: repetition/frequency/presence penalties, temperature,
/// top-k, top-p, min-p, seeded draw (temperature 0 = argmax). Not thread-safe; one per sequence.
/// </summary>
internal sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;
    private readonly Queue<int> _recent = new();
    private readonly Dictionary<int, int> _generatedCounts = [];

    public TokenSampler(SamplingOptions options, IEnumerable<int> promptTokens)
    {
        _options = options;
        _random = options.Seed is { } seed ? new Random(unchecked((int)(seed ^ (seed >> 32)))) : new Random();
        if (TracksRecent)
        {
            foreach (var t in promptTokens)
            {
                Remember(t);
            }
        }
    }

    private bool TracksRecent => _options.RepetitionLastN > 0 && _options.RepetitionPenalty != 1f;

    private bool HasPenalties =>
        (_options.RepetitionPenalty != 1f && _recent.Count > 0) ||
        ((_options.FrequencyPenalty != 0f || _options.PresencePenalty != 0f) && _generatedCounts.Count > 0);

    public int Sample(ReadOnlySpan<float> logits, SamplerScratch scratch)
    {
        int token;
        if (_options.IsGreedy && !HasPenalties)
        {
            token = ArgMax(logits);
        }
        else
        {
            var work = scratch.Work.AsSpan(0, logits.Length);
            logits.CopyTo(work);
            ApplyPenalties(work);
            token = _options.IsGreedy ? ArgMax(work) : Draw(work, scratch);
        }

        Accept(token);
        return token;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        // TensorPrimitives.IndexOfMax returns the first index of the maximum: ties go to the lowest id.
        return TensorPrimitives.IndexOfMax(values);
    }

    private void ApplyPenalties(Span<float> work)
    {
        if (_options.RepetitionPenalty != 1f)
        {
            foreach (var t in _recent.Distinct())
            {
                work[t] = work[t] > 0 ? work[t] / _options.RepetitionPenalty : work[t] * _options.RepetitionPenalty;
            }
        }

        if (_options.FrequencyPenalty != 0f || _options.PresencePenalty != 0f)
        {
            foreach (var (t, count) in _generatedCounts)
            {
                work[t] -= count * _options.FrequencyPenalty + _options.PresencePenalty;
            }
        }
    }

    private int Draw(Span<float> work, SamplerScratch scratch)
    {
        var v = work.Length;
        TensorPrimitives.Divide(work, _options.Temperature, work);
        var max = TensorPrimitives.Max(work);
        var exp = scratch.Exp.AsSpan(0, v);
        TensorPrimitives.Subtract(work, max, exp);
        TensorPrimitives.Exp(exp, exp);
        var total = TensorPrimitives.Sum(exp);

        var needsRanking = _options.TopK > 0 || _options.TopP < 1f || _options.MinP > 0f;
        if (!needsRanking)
        {
            return Walk(exp, total);
        }

        // Rank only as many candidates as needed: top-k, else grow until top-p's mass is covered.
        var indices = scratch.Indices.AsSpan(0, v);
        var limit = _options.TopK > 0 ? Math.Min(_options.TopK, v) : Math.Min(256, v);
        int n;
        while (true)
        {
            n = TopSelection.Select(work, limit, indices);
            if (_options.TopK > 0 || limit == v || _options.TopP >= 1f)
            {
                break;
            }

            var mass = 0f;
            for (var i = 0; i < n; i++)
            {
                mass += exp[indices[i]];
            }

            if (mass / total >= _options.TopP)
            {
                break;
            }

            limit = Math.Min(v, limit * 8);
        }

        // Normalise over the kept candidates (after top-k) then cut by top-p and min-p.
        var keptTotal = 0f;
        for (var i = 0; i < n; i++)
        {
            keptTotal += exp[indices[i]];
        }

        if (_options.TopK == 0)
        {
            keptTotal = total;
        }

        var cut = n;
        if (_options.TopP < 1f)
        {
            var cumulative = 0f;
            for (var i = 0; i < n; i++)
            {
                cumulative += exp[indices[i]] / keptTotal;
                if (cumulative >= _options.TopP)
                {
                    cut = i + 1;
                    break;
                }
            }
        }

        if (_options.MinP > 0f)
        {
            var threshold = exp[indices[0]] * _options.MinP;
            var keep = 1;
            while (keep < cut && exp[indices[keep]] >= threshold)
            {
                keep++;
            }

            cut = keep;
        }

        var sum = 0f;
        for (var i = 0; i < cut; i++)
        {
            sum += exp[indices[i]];
        }

        var u = (float)_random.NextDouble() * sum;
        for (var i = 0; i < cut; i++)
        {
            u -= exp[indices[i]];
            if (u <= 0f)
            {
                return indices[i];
            }
        }

        return indices[cut - 1];
    }

    private int Walk(ReadOnlySpan<float> exp, float total)
    {
        var u = (float)_random.NextDouble() * total;
        var last = 0;
        for (var i = 0; i < exp.Length; i++)
        {
            if (exp[i] <= 0f)
            {
                continue;
            }

            last = i;
            u -= exp[i];
            if (u <= 0f)
            {
                return i;
            }
        }

        return last;
    }

    private void Accept(int token)
    {
        if (TracksRecent)
        {
            Remember(token);
        }

        _generatedCounts[token] = _generatedCounts.GetValueOrDefault(token) + 1;
    }

    private void Remember(int token)
    {
        _recent.Enqueue(token);
        while (_recent.Count > _options.RepetitionLastN)
        {
            _recent.Dequeue();
        }
    }
}
