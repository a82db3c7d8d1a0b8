using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// One collection of <see cref="EmbeddedVectorStore"/>: unit vectors in one contiguous row-major matrix, ids and
/// payloads by row, an id → row map and an inverted index (key → value → rows) for payload filters. Deleting swaps
/// the last row into the hole, so rows stay dense. Not thread-safe by itself: callers hold <see cref="Lock"/>
/// (read for queries, write for changes).
/// </summary>
internal sealed class EmbeddedCollection : IDisposable
{
    /// <summary>Vector components scanned by one query above which the scan is split across cores.</summary>
    private const long ParallelThreshold = 1L << 21;

    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<int>>> _postings = new(StringComparer.Ordinal);
    private float[] _vectors = [];
    private string[] _ids = [];
    private IReadOnlyDictionary<string, string>[] _payloads = [];

    public EmbeddedCollection(string name, int dimensions)
    {
        Name = name;
        Dimensions = dimensions;
    }

    public string Name { get; }

    public int Dimensions { get; }

    public int Count { get; private set; }

    public ReaderWriterLockSlim Lock { get; } = new(LockRecursionPolicy.NoRecursion);

    /// <summary>Bumped (under the write lock) by every change.</summary>
    public long Version { get; set; }

    /// <summary>The <see cref="Version"/> last written to disk (only touched under the store's file lock).</summary>
    public long PersistedVersion { get; set; } = -1;

    /// <summary>Set (under the write lock) when the collection is deleted; operations that still hold it then fail.</summary>
    public bool Deleted { get; set; }

    /// <summary>Makes room for <paramref name="count"/> points in total (avoids repeated growth when loading).</summary>
    public void Reserve(int count) => Grow(count);

    public string IdAt(int row) => _ids[row];

    public IReadOnlyDictionary<string, string> PayloadAt(int row) => _payloads[row];

    public ReadOnlySpan<float> VectorAt(int row) => new(_vectors, row * Dimensions, Dimensions);

    /// <summary>Inserts or replaces a point; the vector is divided by <paramref name="norm"/> (1 for stored unit vectors).</summary>
    public void Upsert(string id, ReadOnlySpan<float> vector, float norm, IReadOnlyDictionary<string, string> payload)
    {
        if (_rows.TryGetValue(id, out var row))
        {
            RemovePostings(row);
        }
        else
        {
            Grow(Count + 1);
            row = Count++;
            _ids[row] = id;
            _rows[id] = row;
        }

        var target = _vectors.AsSpan(row * Dimensions, Dimensions);
        if (norm == 1f)
        {
            vector.CopyTo(target);
        }
        else
        {
            TensorPrimitives.Divide(vector, norm, target);
        }

        _payloads[row] = payload;
        AddPostings(row);
    }

    public bool Remove(string id)
    {
        if (!_rows.Remove(id, out var row))
        {
            return false;
        }

        RemovePostings(row);
        var last = Count - 1;
        if (row != last)
        {
            RemovePostings(last);
            _vectors.AsSpan(last * Dimensions, Dimensions).CopyTo(_vectors.AsSpan(row * Dimensions, Dimensions));
            _ids[row] = _ids[last];
            _payloads[row] = _payloads[last];
            _rows[_ids[row]] = row;
            AddPostings(row);
        }

        _ids[last] = null!;
        _payloads[last] = null!;
        Count = last;
        return true;
    }

    public int RemoveWhere(VectorFilter? filter)
    {
        var rows = MatchingRows(filter);
        if (rows is null)
        {
            var all = Count;
            Clear();
            return all;
        }

        // Collect ids first: removing swaps rows around.
        var ids = new string[rows.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = _ids[rows[i]];
        }

        foreach (var id in ids)
        {
            Remove(id);
        }

        return ids.Length;
    }

    public int CountMatching(VectorFilter? filter) => MatchingRows(filter)?.Count ?? Count;

    /// <summary>Ids of the matching points, sorted ordinally.</summary>
    public string[] MatchingIds(VectorFilter? filter)
    {
        var rows = MatchingRows(filter);
        var n = rows?.Count ?? Count;
        var ids = new string[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = _ids[rows is null ? i : rows[i]];
        }

        Array.Sort(ids, StringComparer.Ordinal);
        return ids;
    }

    /// <summary>The point with this id if it still exists and still matches the filter.</summary>
    public VectorPoint? TryGet(string id, VectorFilter? filter, bool withVectors)
    {
        if (!_rows.TryGetValue(id, out var row) || (filter is not null && !filter.Matches(_payloads[row])))
        {
            return null;
        }

        return new VectorPoint(id, withVectors ? VectorAt(row).ToArray() : [], _payloads[row]);
    }

    /// <summary>Exact top-k by dot product with the unit query (= cosine similarity).</summary>
    public List<VectorSearchResult> Search(float[] unitQuery, int limit, VectorFilter? filter)
    {
        var rows = MatchingRows(filter);
        var n = rows?.Count ?? Count;
        if (n == 0)
        {
            return [];
        }

        var k = Math.Min(limit, n);
        var work = (long)n * Dimensions;
        var parts = work >= ParallelThreshold && Environment.ProcessorCount > 1
            ? (int)Math.Min(Math.Min(Environment.ProcessorCount, 8), work / (ParallelThreshold / 2))
            : 1;

        TopKSelector best;
        if (parts <= 1)
        {
            best = new TopKSelector(k, _ids);
            Scan(unitQuery, rows, 0, n, best);
        }
        else
        {
            var partial = new TopKSelector[parts];
            Parallel.For(0, parts, p =>
            {
                var selector = new TopKSelector(k, _ids);
                Scan(unitQuery, rows, (int)((long)n * p / parts), (int)((long)n * (p + 1) / parts), selector);
                partial[p] = selector;
            });
            best = partial[0];
            for (var p = 1; p < parts; p++)
            {
                best.Merge(partial[p]);
            }
        }

        var sorted = best.ToSortedArray();
        var results = new List<VectorSearchResult>(sorted.Length);
        foreach (var (score, row) in sorted)
        {
            results.Add(new VectorSearchResult(_ids[row], Math.Clamp(score, -1f, 1f), _payloads[row]));
        }

        return results;
    }

    public void Dispose() => Lock.Dispose();

    private void Scan(float[] query, List<int>? rows, int start, int end, TopKSelector selector)
    {
        var vectors = _vectors;
        var d = Dimensions;
        ReadOnlySpan<float> q = query;
        if (rows is null)
        {
            for (var row = start; row < end; row++)
            {
                selector.Offer(TensorPrimitives.Dot(new ReadOnlySpan<float>(vectors, row * d, d), q), row);
            }
        }
        else
        {
            var list = CollectionsMarshal.AsSpan(rows);
            for (var i = start; i < end; i++)
            {
                var row = list[i];
                selector.Offer(TensorPrimitives.Dot(new ReadOnlySpan<float>(vectors, row * d, d), q), row);
            }
        }
    }

    /// <summary>
    /// The rows matching the filter, or null for "every row" (no filter). Starts from the most selective condition's
    /// posting lists and checks the other conditions on each candidate's payload.
    /// </summary>
    private List<int>? MatchingRows(VectorFilter? filter)
    {
        if (filter is null || filter.IsEmpty)
        {
            return null;
        }

        VectorCondition? driver = null;
        Dictionary<string, HashSet<int>>? driverPostings = null;
        var smallest = int.MaxValue;
        foreach (var condition in filter.Conditions)
        {
            var size = 0;
            _postings.TryGetValue(condition.Key, out var byValue);
            if (byValue is not null)
            {
                foreach (var value in condition.Values)
                {
                    if (byValue.TryGetValue(value, out var set))
                    {
                        size += set.Count;
                    }
                }
            }

            if (size < smallest)
            {
                smallest = size;
                driver = condition;
                driverPostings = byValue;
            }
        }

        if (smallest == 0 || driver is null || driverPostings is null)
        {
            return [];
        }

        var single = filter.Conditions.Count == 1;
        var result = new List<int>(smallest);
        foreach (var value in driver.Values)
        {
            if (!driverPostings.TryGetValue(value, out var set))
            {
                continue;
            }

            foreach (var row in set)
            {
                if (single || filter.Matches(_payloads[row]))
                {
                    result.Add(row);
                }
            }
        }

        return result;
    }

    private void AddPostings(int row)
    {
        foreach (var (key, value) in _payloads[row])
        {
            if (!_postings.TryGetValue(key, out var byValue))
            {
                _postings[key] = byValue = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
            }

            if (!byValue.TryGetValue(value, out var set))
            {
                byValue[value] = set = [];
            }

            set.Add(row);
        }
    }

    private void RemovePostings(int row)
    {
        foreach (var (key, value) in _payloads[row])
        {
            if (_postings.TryGetValue(key, out var byValue) && byValue.TryGetValue(value, out var set))
            {
                set.Remove(row);
                if (set.Count == 0)
                {
                    byValue.Remove(value);
                    if (byValue.Count == 0)
                    {
                        _postings.Remove(key);
                    }
                }
            }
        }
    }

    private void Clear()
    {
        _rows.Clear();
        _postings.Clear();
        Array.Clear(_ids);
        Array.Clear(_payloads);
        Count = 0;
    }

    private void Grow(int needed)
    {
        if (needed <= _ids.Length)
        {
            return;
        }

        var capacity = Math.Max(needed, Math.Max(16, _ids.Length * 2));
        if ((long)capacity * Dimensions > Array.MaxLength)
        {
            capacity = Array.MaxLength / Dimensions;
            if (capacity < needed)
            {
                throw new VectorStoreException(VectorStoreErrorKind.InvalidInput,
                    $"Vector collection '{Name}' cannot hold more than {capacity} vectors of {Dimensions} dimensions.");
            }
        }

        Array.Resize(ref _vectors, capacity * Dimensions);
        Array.Resize(ref _ids, capacity);
        Array.Resize(ref _payloads, capacity);
    }
}
