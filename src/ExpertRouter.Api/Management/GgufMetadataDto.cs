using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.Api.Management;

/// <summary>What the managed GGUF reader found in a local expert's file.</summary>
public sealed class GgufMetadataDto
{
    public required string Architecture { get; init; }

    public string? Name { get; init; }

    public long Parameters { get; init; }

    public required string Quantization { get; init; }

    public long ContextLength { get; init; }

    public long EmbeddingLength { get; init; }

    public long Layers { get; init; }

    public int VocabularySize { get; init; }

    public bool HasChatTemplate { get; init; }

    public long FileSizeBytes { get; init; }

    /// <summary>Weights + KV cache + compute for the expert's context and sequences: what the memory budget reserves.</summary>
    public long EstimatedMemoryBytes { get; init; }

    public static GgufMetadataDto From(GgufModelInfo info, long estimate)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new GgufMetadataDto
        {
            Architecture = info.Architecture,
            Name = info.Name,
            Parameters = info.ParameterCount,
            Quantization = info.Quantization,
            ContextLength = info.ContextLength,
            EmbeddingLength = info.EmbeddingLength,
            Layers = info.BlockCount,
            VocabularySize = info.VocabSize,
            HasChatTemplate = info.ChatTemplate is not null,
            FileSizeBytes = info.FileSize,
            EstimatedMemoryBytes = estimate,
        };
    }
}
