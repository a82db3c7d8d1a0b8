namespace ExpertRouter.Core.Moe;

/// <summary>Defaults of the routed virtual models (section <c>ExpertRouter:Routing</c>); requests may override k, top-p, aggregation and seed.</summary>
public sealed class MoeOptions
{
    /// <summary>Profile used by <c>moe/symbolic</c>; null = the most recently created profile.</summary>
    public string? DefaultProfile { get; set; }

    /// <summary>Expert whose embeddings map query keywords to profile keywords; null = the built-in lexical embedder.</summary>
    public string? EmbeddingExpert { get; set; }

    public int KeywordSamples { get; set; } = 5;

    public int KeywordMinSamples { get; set; } = 2;

    public float KeywordTemperature { get; set; } = 0.7f;

    /// <summary>Experts drawn per query (ALGORITHMS.md: k = 3).</summary>
    public int K { get; set; } = 3;

    /// <summary>The reference draws with replacement (an expert can answer twice).</summary>
    public bool WithReplacement { get; set; } = true;

    /// <summary>When set, the dynamic expert count: keep adding experts until their probability reaches this (paper: 0.4).</summary>
    public double? TopP { get; set; }

    /// <summary>Temperature of the global competence (T = 0.5).</summary>
    public double Temperature { get; set; } = 0.5;

    /// <summary>auto (consensus short-circuit, else LLM synthesis), synthesis, vote, certainty, first.</summary>
    public string Aggregation { get; set; } = "auto";

    /// <summary>Temperature of recruited experts when the request gives none (several draws of one expert need some).</summary>
    public float ExpertTemperature { get; set; } = 0.7f;

    /// <summary>RouterRetriever: k-means pilots per expert (the paper uses 1).</summary>
    public int RetrieverPilotsPerExpert { get; set; } = 1;

    /// <summary>RouterRetriever: "average" similarity to an expert's pilots (paper) or "nearest" pilot (reference code).</summary>
    public string RetrieverMode { get; set; } = "average";

    /// <summary>Embedding routers: experts chosen per query unless the request gives k or routing_top_p (the papers route to one).</summary>
    public int EmbeddingRouterK { get; set; } = 1;

    /// <summary>Embedding routers: softmax temperature that turns similarities into probabilities.</summary>
    public double SimilarityTemperature { get; set; } = 0.05;

    /// <summary>GLIDER: the expert that writes the one-sentence task instruction; null = the profile's keyword model, else the first expert.</summary>
    public string? InstructionModel { get; set; }

    /// <summary>GLIDER: weight of the instruction similarity; 1 = GLIDER alone, below 1 blends in Symbolic-MoE probabilities.</summary>
    public double GliderAlpha { get; set; } = 1.0;

    /// <summary>Routing memory: past routed queries consulted per query.</summary>
    public int MemoryNeighbours { get; set; } = 20;
}
