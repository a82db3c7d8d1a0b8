using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.Core.VectorStore;

/// <summary>Builds the configured <see cref="IVectorStore"/>; register the result as a singleton.</summary>
public static class VectorStoreFactory
{
    /// <summary>
    /// Creates the store: an <see cref="EmbeddedVectorStore"/> (its files are loaded now), a
    /// <see cref="QdrantVectorStore"/>, or, with <see cref="VectorStoreOptions.FallbackToEmbedded"/>, a
    /// <see cref="FallbackVectorStore"/> over Qdrant that probes Qdrant on first use.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown provider or invalid Qdrant settings.</exception>
    public static IVectorStore Create(VectorStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var provider = (options.Provider ?? VectorStoreOptions.EmbeddedProvider).Trim();
        if (provider.Equals(VectorStoreOptions.EmbeddedProvider, StringComparison.OrdinalIgnoreCase))
        {
            return CreateEmbedded(options, loggers);
        }

        if (!provider.Equals(VectorStoreOptions.QdrantProvider, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"Unknown vector store provider '{options.Provider}': use '{VectorStoreOptions.EmbeddedProvider}' or '{VectorStoreOptions.QdrantProvider}'.", nameof(options));
        }

        var qdrant = new QdrantVectorStore(options.Qdrant ?? new QdrantOptions(), null, loggers.CreateLogger<QdrantVectorStore>());
        return options.FallbackToEmbedded
            ? new FallbackVectorStore(qdrant, () => CreateEmbedded(options, loggers), loggers.CreateLogger<FallbackVectorStore>())
            : qdrant;
    }

    /// <summary>
    /// <see cref="Create"/>, then (for a fallback store) the probe, so that <see cref="IVectorStore.Describe"/>
    /// already names the store in use.
    /// </summary>
    public static async Task<IVectorStore> CreateAsync(VectorStoreOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        var store = Create(options, loggerFactory);
        if (store is FallbackVectorStore fallback)
        {
            await fallback.ProbeAsync(cancellationToken).ConfigureAwait(false);
        }

        return store;
    }

    private static EmbeddedVectorStore CreateEmbedded(VectorStoreOptions options, ILoggerFactory loggers) =>
        new(new EmbeddedVectorStoreOptions { Directory = options.Directory, FlushDelay = options.FlushDelay }, loggers.CreateLogger<EmbeddedVectorStore>());
}
