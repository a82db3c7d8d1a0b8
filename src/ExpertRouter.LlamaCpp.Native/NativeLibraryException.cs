namespace ExpertRouter.LlamaCpp.Native;

/// <summary>The native llama.cpp libraries could not be obtained, loaded or used; the message says what to do.</summary>
public sealed class NativeLibraryException : Exception
{
    public NativeLibraryException() { }

    public NativeLibraryException(string message) : base(message) { }

    public NativeLibraryException(string message, Exception innerException) : base(message, innerException) { }
}
