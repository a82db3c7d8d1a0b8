namespace ExpertRouter.Core.VectorStore;

/// <summary>Why a vector store operation failed; see <see cref="VectorStoreException.Kind"/>.</summary>
public enum VectorStoreErrorKind
{
    /// <summary>The request itself is wrong: an empty id, a vector of the wrong length, NaN/∞ components, a zero vector, a bad name or limit.</summary>
    InvalidInput,

    /// <summary>The collection does not exist (never ensured, or deleted).</summary>
    UnknownCollection,

    /// <summary>The collection exists with another number of dimensions than the one asked for.</summary>
    WrongDimension,

    /// <summary>The collection exists but cannot be used as a cosine collection of plain vectors (another distance, named vectors).</summary>
    Incompatible,

    /// <summary>The backing service could not be reached or did not answer in time.</summary>
    Unavailable,

    /// <summary>Persisted data could not be read back (a truncated or damaged collection file).</summary>
    Corrupt,

    /// <summary>The backing service answered with an error that fits none of the other kinds (refused API key, server error).</summary>
    Failed,
}
