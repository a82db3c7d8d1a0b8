namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// Keeps the k best (score, row) pairs seen: a binary min-heap whose root is the worst kept entry. "Better" is a
/// higher score, then the ordinally smaller id, so that the result is deterministic when scores are equal.
/// </summary>
internal sealed class TopKSelector
{
    private readonly string[] _ids;
    private readonly float[] _scores;
    private readonly int[] _rows;
    private int _count;

    public TopKSelector(int k, string[] ids)
    {
        _ids = ids;
        _scores = new float[k];
        _rows = new int[k];
    }

    public void Offer(float score, int row)
    {
        if (_count < _scores.Length)
        {
            var i = _count++;
            _scores[i] = score;
            _rows[i] = row;
            SiftUp(i);
            return;
        }

        if (!Worse(_scores[0], _rows[0], score, row))
        {
            return;
        }

        _scores[0] = score;
        _rows[0] = row;
        SiftDown(0);
    }

    /// <summary>Adds every kept entry of <paramref name="other"/> (merging partial results of a partitioned scan).</summary>
    public void Merge(TopKSelector other)
    {
        for (var i = 0; i < other._count; i++)
        {
            Offer(other._scores[i], other._rows[i]);
        }
    }

    /// <summary>The kept entries, best first.</summary>
    public (float Score, int Row)[] ToSortedArray()
    {
        var result = new (float Score, int Row)[_count];
        for (var i = 0; i < _count; i++)
        {
            result[i] = (_scores[i], _rows[i]);
        }

        var ids = _ids;
        Array.Sort(result, (a, b) =>
        {
            var c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : string.CompareOrdinal(ids[a.Row], ids[b.Row]);
        });
        return result;
    }

    /// <summary>Whether entry a ranks below entry b.</summary>
    private bool Worse(float scoreA, int rowA, float scoreB, int rowB) =>
        scoreA < scoreB || (scoreA == scoreB && string.CompareOrdinal(_ids[rowA], _ids[rowB]) > 0);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Worse(_scores[i], _rows[i], _scores[parent], _rows[parent]))
            {
                break;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = (2 * i) + 1;
            if (left >= _count)
            {
                break;
            }

            var worst = left;
            var right = left + 1;
            if (right < _count && Worse(_scores[right], _rows[right], _scores[left], _rows[left]))
            {
                worst = right;
            }

            if (!Worse(_scores[worst], _rows[worst], _scores[i], _rows[i]))
            {
                break;
            }

            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
    }
}
