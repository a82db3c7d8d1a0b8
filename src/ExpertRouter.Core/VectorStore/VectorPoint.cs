namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// A stored vector: a caller-chosen id (unique within its collection; upserting the same id replaces the point),
/// the vector, and string payload fields that filters can match (expert id, kind, skill, outcome...).
/// </summary>
/// <param name="Id">Non-empty, unique per collection; compared ordinally.</param>
/// <param name="Vector">
/// Exactly the collection's dimension, finite, not all zero. Stores keep the direction only: points read back
/// (<see cref="IVectorStore.ScrollAsync"/> with vectors) carry the unit-length vector, and an empty array when
/// vectors were not asked for.
/// </param>
/// <param name="Payload">
/// Fields of the point; keys are 1-64 ASCII letters, digits, '_' and '-', other than <see cref="ReservedPayloadKey"/>;
/// values are non-null.
/// </param>
public sealed record VectorPoint(string Id, float[] Vector, IReadOnlyDictionary<string, string> Payload)
{
    /// <summary>Payload key that stores use internally (Qdrant keeps the original id there); refused in payloads.</summary>
    public const string ReservedPayloadKey = "_vector_id";

    /// <summary>A point without payload.</summary>
    public VectorPoint(string id, float[] vector)
        : this(id, vector, EmptyPayload)
    {
    }

    /// <summary>A shared, empty payload.</summary>
    public static IReadOnlyDictionary<string, string> EmptyPayload { get; } =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.Ordinal));
}
