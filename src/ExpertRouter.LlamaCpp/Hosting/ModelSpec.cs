namespace ExpertRouter.LlamaCpp.Hosting;

/// <summary>What to load for a key (an expert id): the file and how to serve it.</summary>
public sealed record ModelSpec(string Key, string Path, LlamaModelOptions Options, bool Pinned = false);
