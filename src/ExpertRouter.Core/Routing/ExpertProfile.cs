namespace ExpertRouter.Core.Routing;

/// <summary>
/// An expert's skill profile from offline profiling (ALGORITHMS.md §1 step 2): for every keyword of every
/// validation question it answered, +1 when it was right and -1 when it was wrong, summed per keyword.
/// </summary>
/// <param name="ExpertId">The expert's id.</param>
/// <param name="KeywordScores">Keyword (normalised, see <see cref="KeywordNormalizer"/>) → sum of +1/-1 outcomes.</param>
/// <param name="Correct">Validation questions answered correctly.</param>
/// <param name="Answered">Validation questions answered.</param>
public sealed record ExpertProfile(string ExpertId, IReadOnlyDictionary<string, int> KeywordScores, int Correct, int Answered)
{
    /// <summary>The expert's raw global total: the sum of all its keyword scores (input of global competence, §1 step 6).</summary>
    public int GlobalScore
    {
        get
        {
            var sum = 0;
            foreach (var score in KeywordScores.Values)
            {
                sum = checked(sum + score);
            }

            return sum;
        }
    }

    /// <summary>Validation accuracy, <see cref="Correct"/> / <see cref="Answered"/>; 0 when nothing was answered.</summary>
    public double Accuracy => Answered > 0 ? (double)Correct / Answered : 0;
}
