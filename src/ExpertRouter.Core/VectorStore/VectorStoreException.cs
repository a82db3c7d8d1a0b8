namespace ExpertRouter.Core.VectorStore;

/// <summary>A vector store operation failed; <see cref="Kind"/> says why, the message says what to do.</summary>
public sealed class VectorStoreException : Exception
{
    public VectorStoreException()
    {
    }

    public VectorStoreException(string message) : base(message)
    {
    }

    public VectorStoreException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="kind">Why the operation failed.</param>
    /// <param name="message">What happened, naming the collection, file or endpoint involved.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public VectorStoreException(VectorStoreErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Why the operation failed (<see cref="VectorStoreErrorKind.Failed"/> when constructed without one).</summary>
    public VectorStoreErrorKind Kind { get; } = VectorStoreErrorKind.Failed;
}
