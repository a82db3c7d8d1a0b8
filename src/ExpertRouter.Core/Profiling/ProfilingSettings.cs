namespace ExpertRouter.Core.Profiling;

/// <summary>
/// How a profiling run works (ALGORITHMS.md section 1, steps 1-3). Defaults follow the reference:
/// 5 keyword samples at temperature 0.7, keep keywords found in at least 2 samples.
/// </summary>
public sealed record ProfilingSettings
{
    /// <summary>Expert that annotates questions with skill keywords; null = the first expert profiled.</summary>
    public string? KeywordModel { get; init; }

    public int KeywordSamples { get; init; } = 5;

    public float KeywordTemperature { get; init; } = 0.7f;

    /// <summary>A keyword is kept when it appears in at least this many samples.</summary>
    public int KeywordMinSamples { get; init; } = 2;

    /// <summary>Use the skills given in the validation file instead of annotating, where present.</summary>
    public bool UseProvidedSkills { get; init; } = true;

    /// <summary>Experts to profile; empty = every registered expert.</summary>
    public IReadOnlyList<string> Experts { get; init; } = [];

    /// <summary>Candidate aggregators for the aggregator benchmark; empty = the profiled experts.</summary>
    public IReadOnlyList<string> AggregatorCandidates { get; init; } = [];

    /// <summary>Items used by the aggregator benchmark (those with one correct and two wrong saved answers); 0 = all.</summary>
    public int AggregatorBenchmarkItems { get; init; } = 100;

    public int MaxAnswerTokens { get; init; } = 512;

    /// <summary>Temperature of the experts' answers while profiling (0 = greedy, reproducible).</summary>
    public float AnswerTemperature { get; init; }

    /// <summary>Requests in flight per expert (they are decoded in the same batches).</summary>
    public int Parallelism { get; init; } = 8;

    public int? Seed { get; init; }

    /// <summary>Returns the problems with these settings.</summary>
    public IEnumerable<string> Validate()
    {
        if (KeywordSamples is < 1 or > 20)
        {
            yield return "keywordSamples must be 1..20.";
        }

        if (KeywordMinSamples < 1 || KeywordMinSamples > KeywordSamples)
        {
            yield return "keywordMinSamples must be 1..keywordSamples.";
        }

        if (KeywordTemperature is < 0 or > 2)
        {
            yield return "keywordTemperature must be 0..2.";
        }

        if (MaxAnswerTokens is < 1 or > 32768)
        {
            yield return "maxAnswerTokens must be 1..32768.";
        }

        if (AnswerTemperature is < 0 or > 2)
        {
            yield return "answerTemperature must be 0..2.";
        }

        if (Parallelism is < 1 or > 256)
        {
            yield return "parallelism must be 1..256.";
        }

        if (AggregatorBenchmarkItems < 0)
        {
            yield return "aggregatorBenchmarkItems must be 0 or more.";
        }
    }
}
