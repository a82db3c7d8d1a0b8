using ExpertRouter.LlamaCpp.Generation;
using ExpertRouter.LlamaCpp.Gguf;

namespace ExpertRouter.LlamaCpp.Tests.Engine;

[Collection(LlamaGroup.Name)]
public sealed class ModelLoadTests(LlamaFixture fixture)
{
    [Fact]
    public async Task BadFiles_AreRefusedByTheManagedReader_AndTheProcessKeepsServing()
    {
        var dir = fixture.Directory;
        var notGguf = Path.Combine(dir, "notes.gguf");
        await File.WriteAllTextAsync(notGguf, "this is a text file, not a model");
        var truncated = Path.Combine(dir, "truncated.gguf");
        var bytes = await File.ReadAllBytesAsync(fixture.TinyQ8Path);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        var empty = Path.Combine(dir, "empty.gguf");
        await File.WriteAllBytesAsync(empty, []);

        var cases = new (string Path, GgufProblem Problem)[]
        {
            (Path.Combine(dir, "missing.gguf"), GgufProblem.NotFound),
            (dir, GgufProblem.IsDirectory),
            (empty, GgufProblem.Empty),
            (notGguf, GgufProblem.BadMagic),
            (truncated, GgufProblem.TensorOutOfBounds),
        };
        foreach (var (path, problem) in cases)
        {
            var e = await Assert.ThrowsAsync<GgufFormatException>(() => LlamaModel.LoadAsync(path));
            Assert.Equal(problem, e.Problem);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }

        // The shared model still answers.
        var r = await fixture.Model.GenerateAsync(new GenerationRequest { Prompt = fixture.Model.Tokenize("still alive?"), MaxTokens = 3, StopAtEndOfGeneration = false });
        Assert.Equal(3, r.CompletionTokens);
    }

    [Fact]
    public async Task F16Model_LoadsReportsMetadataAndUnloads()
    {
        using var model = await LlamaModel.LoadAsync(fixture.TinyF16Path, new LlamaModelOptions { ContextSize = 128, MaxSequences = 2 });
        Assert.Equal("llama", model.Info.Architecture);
        Assert.Equal("F16", model.Info.Quantization);
        Assert.True(model.SequenceContextSize >= 128, "llama.cpp may round the context up, never down");
        Assert.Equal(2, model.MaxSequences);
        Assert.Equal(TestModelGenerator.ChatMLTemplate, model.ChatTemplate);
        var r = await model.GenerateAsync(new GenerationRequest { Prompt = model.Tokenize("hello"), MaxTokens = 5, StopAtEndOfGeneration = false });
        Assert.Equal(5, r.CompletionTokens);
    }

    [Fact]
    public async Task InvalidOptions_AreRejectedBeforeLoading()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { MaxSequences = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 2 }));
    }
}
