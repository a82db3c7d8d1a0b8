using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.LlamaCpp.Tests.Engine;

/// <summary>
/// Real llama.cpp (fetched from npm on first use, cached) and generated GGUF models, shared by the
/// engine tests. The tiny Q8_0 model is loaded once with 8 sequence slots.
/// </summary>
public sealed class LlamaFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _dir = System.IO.Directory.CreateTempSubdirectory("er-models-");

    public string TinyQ8Path => Path.Combine(_dir.FullName, "tiny-q8_0.gguf");

    public string TinyF16Path => Path.Combine(_dir.FullName, "tiny-f16.gguf");

    public string Directory => _dir.FullName;

    public LlamaModel Model { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await LlamaRuntime.InitializeAsync(new LlamaEngineOptions());
        TestModelGenerator.Generate(TestModelSpec.Tiny with { FileType = GgmlType.Q8_0, Seed = 11, Name = "tiny-q8" }, TinyQ8Path);
        TestModelGenerator.Generate(TestModelSpec.Tiny with { FileType = GgmlType.F16, Seed = 12, Name = "tiny-f16" }, TinyF16Path);
        Model = await LlamaModel.LoadAsync(TinyQ8Path, new LlamaModelOptions { ContextSize = 512, MaxSequences = 8 });
    }

    public Task DisposeAsync()
    {
        Model?.Dispose();
        _dir.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class LlamaGroup : ICollectionFixture<LlamaFixture>
{
    public const string Name = "llama";
}
