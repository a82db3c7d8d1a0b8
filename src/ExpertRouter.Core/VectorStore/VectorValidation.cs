using System.Numerics.Tensors;

namespace ExpertRouter.Core.VectorStore;

/// <summary>Argument checks shared by every store, so that they all refuse the same inputs with the same messages.</summary>
internal static class VectorValidation
{
    public const int MaxDimensions = 65_536;
    public const int MaxNameLength = 128;

    public static VectorStoreException Invalid(string message) => new(VectorStoreErrorKind.InvalidInput, message);

    public static VectorStoreException Unknown(string collection) =>
        new(VectorStoreErrorKind.UnknownCollection, $"Vector collection '{collection}' does not exist (create it with EnsureCollectionAsync).");

    public static VectorStoreException WrongDimension(string collection, int existing, int requested) =>
        new(VectorStoreErrorKind.WrongDimension,
            $"Vector collection '{collection}' has {existing} dimensions, not {requested}; delete it to change the dimension (e.g. after changing the embedding model).");

    public static void CollectionName(string? collection)
    {
        if (string.IsNullOrEmpty(collection))
        {
            throw Invalid("A collection name is required.");
        }

        if (collection.Length > MaxNameLength)
        {
            throw Invalid($"Collection name '{collection[..32]}...' is longer than {MaxNameLength} characters.");
        }

        for (var i = 0; i < collection.Length; i++)
        {
            var c = collection[i];
            var ok = char.IsAsciiLetterOrDigit(c) || (i > 0 && c is '_' or '-' or '.');
            if (!ok)
            {
                throw Invalid($"Collection name '{collection}' may contain only letters, digits, '_', '-' and '.', and must start with a letter or digit.");
            }
        }
    }

    public static void Dimensions(int dimensions)
    {
        if (dimensions is <= 0 or > MaxDimensions)
        {
            throw Invalid($"Dimensions must be between 1 and {MaxDimensions}, not {dimensions}.");
        }
    }

    public static void Limit(int limit)
    {
        if (limit <= 0)
        {
            throw Invalid($"The search limit must be at least 1, not {limit}.");
        }
    }

    public static void Ids(IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i]))
            {
                throw Invalid($"Id #{i} is empty.");
            }
        }
    }

    /// <summary>
    /// Payload keys are 1-64 ASCII letters, digits, '_' and '-': the same key then means the same field everywhere
    /// (Qdrant reads '.' and '[]' in filter keys as paths into nested objects).
    /// </summary>
    public static void PayloadKey(string? key, string owner)
    {
        if (!IsValidPayloadKey(key))
        {
            throw Invalid($"{owner} has an invalid payload key '{key}': use 1-64 ASCII letters, digits, '_' and '-'.");
        }
    }

    public static bool IsValidPayloadKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 64)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Checks a vector; returns its L2 norm (positive and finite).</summary>
    public static float Vector(ReadOnlySpan<float> vector, int dimensions, string what)
    {
        if (vector.Length != dimensions)
        {
            throw Invalid($"{what} has {vector.Length} dimensions; the collection has {dimensions}.");
        }

        for (var i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw Invalid($"{what} has a non-finite component ({vector[i]}) at index {i}.");
            }
        }

        var norm = TensorPrimitives.Norm(vector);
        if (norm == 0f)
        {
            throw Invalid($"{what} is the zero vector, which has no direction (cosine similarity is undefined).");
        }

        if (!float.IsFinite(norm))
        {
            throw Invalid($"{what} is too large: its length overflows single precision.");
        }

        return norm;
    }

    /// <summary>
    /// Checks every point (id, vector, payload) and drops earlier duplicates of an id, so that the last occurrence
    /// wins; nothing is stored unless every point is valid.
    /// </summary>
    public static IReadOnlyList<VectorPoint> Points(IReadOnlyList<VectorPoint> points, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(points);
        var lastIndex = new Dictionary<string, int>(points.Count, StringComparer.Ordinal);
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i] ?? throw Invalid($"Point #{i} is null.");
            if (string.IsNullOrWhiteSpace(p.Id))
            {
                throw Invalid($"Point #{i} has an empty id.");
            }

            if (p.Vector is null)
            {
                throw Invalid($"Point '{p.Id}' has no vector.");
            }

            Vector(p.Vector, dimensions, $"The vector of point '{p.Id}'");
            if (p.Payload is not null)
            {
                foreach (var (key, value) in p.Payload)
                {
                    PayloadKey(key, $"Point '{p.Id}'");

                    if (key == VectorPoint.ReservedPayloadKey)
                    {
                        throw Invalid($"Point '{p.Id}' uses the reserved payload key '{VectorPoint.ReservedPayloadKey}'.");
                    }

                    if (value is null)
                    {
                        throw Invalid($"Point '{p.Id}' has a null value for payload key '{key}'.");
                    }
                }
            }

            lastIndex[p.Id] = i;
        }

        if (lastIndex.Count == points.Count)
        {
            return points;
        }

        var unique = new List<VectorPoint>(lastIndex.Count);
        for (var i = 0; i < points.Count; i++)
        {
            if (lastIndex[points[i].Id] == i)
            {
                unique.Add(points[i]);
            }
        }

        return unique;
    }

    /// <summary>An immutable, ordinal copy of a payload (the shared empty one when there is none).</summary>
    public static IReadOnlyDictionary<string, string> CopyPayload(IReadOnlyDictionary<string, string>? payload)
    {
        if (payload is null || payload.Count == 0)
        {
            return VectorPoint.EmptyPayload;
        }

        var copy = new Dictionary<string, string>(payload.Count, StringComparer.Ordinal);
        foreach (var (k, v) in payload)
        {
            copy[k] = v;
        }

        return new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(copy);
    }
}
