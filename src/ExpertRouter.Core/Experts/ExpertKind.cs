namespace ExpertRouter.Core.Experts;

/// <summary>Where an expert runs.</summary>
public enum ExpertKind
{
    /// <summary>A local GGUF file run in-process through llama.cpp.</summary>
    Gguf,

    /// <summary>A remote OpenAI-compatible endpoint (base URL + model name + API key from configuration).</summary>
    OpenAi,
}
