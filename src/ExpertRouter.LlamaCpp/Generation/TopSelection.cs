namespace ExpertRouter.LlamaCpp.Generation;

/// <summary>Selects the indices of the m largest values (descending; ties to the lower index) with a min-heap: O(V log m).</summary>
internal static class TopSelection
{
    public static int Select(ReadOnlySpan<float> values, int m, Span<int> result)
    {
        m = Math.Min(m, values.Length);
        if (m <= 0)
        {
            return 0;
        }

        var heap = result[..m];
        var size = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var x = values[i];
            if (float.IsNaN(x))
            {
                continue;
            }

            if (size < m)
            {
                heap[size] = i;
                SiftUp(values, heap, size++);
            }
            else if (Better(values, i, heap[0]))
            {
                heap[0] = i;
                SiftDown(values, heap, 0, size);
            }
        }

        // Heap-sort into descending order.
        for (var end = size - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(values, heap, 0, end);
        }

        return size;
    }

    // a ranks above b: larger value, or equal value and lower index.
    private static bool Better(ReadOnlySpan<float> v, int a, int b) => v[a] > v[b] || (v[a] == v[b] && a < b);

    private static void SiftUp(ReadOnlySpan<float> v, Span<int> h, int i)
    {
        while (i > 0)
        {
            var p = (i - 1) / 2;
            if (!Better(v, h[p], h[i]))
            {
                break;
            }

            (h[p], h[i]) = (h[i], h[p]);
            i = p;
        }
    }

    private static void SiftDown(ReadOnlySpan<float> v, Span<int> h, int i, int n)
    {
        while (true)
        {
            var l = 2 * i + 1;
            if (l >= n)
            {
                return;
            }

            var worst = l;
            if (l + 1 < n && Better(v, h[worst], h[l + 1]))
            {
                worst = l + 1;
            }

            if (!Better(v, h[i], h[worst]))
            {
                return;
            }

            (h[i], h[worst]) = (h[worst], h[i]);
            i = worst;
        }
    }
}
