using ExpertRouter.LlamaCpp.Generation;
using ExpertRouter.LlamaCpp.Native;

namespace ExpertRouter.LlamaCpp.Tests.Engine;

[Collection(LlamaGroup.Name)]
public sealed class DecodeLoopTests(LlamaFixture fixture)
{
    private static readonly string[] Prompts =
    [
        "What is the derivative of x squared?",
        "Name a famous law of thermodynamics.",
        "The patient presents with fever and cough.",
        "Write a haiku about rivers.",
        "Explain contract law in one line.",
        "2 + 2 =",
        "Which enzyme digests starch?",
        "A train leaves at noon travelling east",
    ];

    private GenerationRequest Request(string prompt, int maxTokens = 24, SamplingOptions? sampling = null) => new()
    {
        Prompt = fixture.Model.Tokenize(prompt),
        MaxTokens = maxTokens,
        Sampling = sampling ?? SamplingOptions.Greedy,
        StopAtEndOfGeneration = false,
    };

    private static async Task<(List<LlamaToken> Tokens, GenerationResult Result, string Streamed)> Collect(IAsyncEnumerable<GenerationUpdate> updates)
    {
        var tokens = new List<LlamaToken>();
        var text = "";
        GenerationResult? result = null;
        await foreach (var u in updates)
        {
            if (u.Token is not null)
            {
                tokens.Add(u.Token.Token);
            }

            text += u.TextDelta;
            result = u.Result ?? result;
        }

        return (tokens, result!, text);
    }

    [Fact]
    public async Task Greedy_AloneEqualsBatchedWithSevenOthers_Q8()
    {
        // Its own instance (the fixture's options), so the step statistics below are this test's alone.
        using var model = await LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 512, MaxSequences = 8 });
        var alone = new List<List<LlamaToken>>();
        foreach (var p in Prompts)
        {
            alone.Add((await Collect(model.GenerateStreamingAsync(Request(p)))).Tokens);
        }

        var before = model.Stats;
        var together = await Task.WhenAll(Prompts.Select(p => Collect(model.GenerateStreamingAsync(Request(p)))));
        var after = model.Stats;

        for (var i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(24, together[i].Tokens.Count);
            Assert.Equal(alone[i], together[i].Tokens);
        }

        Assert.True(after.SharedSteps > before.SharedSteps, "the eight sequences were never decoded in a shared batch");
        Assert.True(after.MaxSequencesInStep >= 4, $"at most {after.MaxSequencesInStep} sequences shared a step");
    }

    [Fact]
    public async Task PromptsAdmittedTogether_SharePackedDecodeCalls_AndEqualAlone()
    {
        // n_batch 16: the four waiting prompts (~40 tokens) are packed into shared llama_decode calls, some prompts
        // split across two calls; each must still generate exactly what it generates alone.
        const int batchSize = 16;
        using var model = await LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 2048, MaxSequences = 4, BatchSize = batchSize });
        var waiting = Prompts[4..].Select(p => model.Tokenize(p)).ToArray();
        var alone = new List<List<LlamaToken>>();
        foreach (var p in Prompts[4..])
        {
            alone.Add((await Collect(model.GenerateStreamingAsync(Request(p, 20)))).Tokens);
        }

        var packedCalls = (waiting.Sum(w => w.Count) + batchSize - 1) / batchSize;
        Assert.True(packedCalls < waiting.Sum(w => (w.Count + batchSize - 1) / batchSize), "the test prompts are too long to show packing");

        // Four blockers fill every slot and are cancelled together once the four others wait in the queue, so the
        // loop admits the four at once. (The blockers' cancellation is observed between steps; should it straddle
        // one, the four are admitted in two rounds: tried up to three times.)
        var shared = false;
        var observed = new List<long>();
        for (var attempt = 0; attempt < 3 && !shared; attempt++)
        {
            using var cts = new CancellationTokenSource();
            var start = model.Stats;
            // 2000 tokens: far longer than the waits below take, even on a loaded machine; they are cancelled.
            var blockers = Prompts[..4].Select(p => Collect(model.GenerateStreamingAsync(Request(p, 2000), cts.Token))).ToArray();
            // All four in their slots with their prompts processed (so no blocker prompt is counted below).
            var blockerPrompts = Prompts[..4].Sum(p => model.Tokenize(p).Count);
            await WaitFor(() => model.Stats is { ActiveSequences: 4 } s && s.PromptTokens >= start.PromptTokens + blockerPrompts);
            var queued = waiting.Select(w => Collect(model.GenerateStreamingAsync(new GenerationRequest
            {
                Prompt = w,
                MaxTokens = 20,
                Sampling = SamplingOptions.Greedy,
                StopAtEndOfGeneration = false,
            }))).ToArray();
            await WaitFor(() => model.Stats.QueuedRequests == 4);
            var before = model.Stats;
            await cts.CancelAsync();
            foreach (var b in blockers)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
            }

            var results = await Task.WhenAll(queued);
            var after = model.Stats;
            for (var i = 0; i < waiting.Length; i++)
            {
                Assert.Equal(alone[i], results[i].Tokens);
            }

            observed.Add(after.PrefillCalls - before.PrefillCalls);
            shared = observed[^1] == packedCalls;
        }

        Assert.True(shared, $"the four waiting prompts never shared {packedCalls} packed llama_decode calls (calls per attempt: {string.Join(", ", observed)})");
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the decode loop");
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task Streaming_And_NonStreaming_GiveTheSameText()
    {
        var request = Request(Prompts[0], 40);
        var streamed = await Collect(fixture.Model.GenerateStreamingAsync(request));
        var whole = await fixture.Model.GenerateAsync(request);
        Assert.Equal(whole.Text, streamed.Streamed);
        Assert.Equal(whole.Text, streamed.Result.Text);
        Assert.Equal(40, whole.CompletionTokens);
        Assert.Equal(FinishReason.Length, whole.FinishReason);
        Assert.Equal(fixture.Model.Detokenize(streamed.Tokens), whole.Text);
    }

    [Fact]
    public async Task CancellingOneSequence_LeavesOthersRunningAndCorrect()
    {
        var model = fixture.Model;
        var expected = new List<List<LlamaToken>>();
        for (var i = 0; i < 3; i++)
        {
            expected.Add((await Collect(model.GenerateStreamingAsync(Request(Prompts[i], 48)))).Tokens);
        }

        using var cts = new CancellationTokenSource();
        var victim = Task.Run(async () =>
        {
            var n = 0;
            await foreach (var u in model.GenerateStreamingAsync(Request(Prompts[3], 400), cts.Token))
            {
                if (u.Token is not null && ++n == 5)
                {
                    await cts.CancelAsync();
                }
            }
        });
        var others = Enumerable.Range(0, 3).Select(i => Collect(model.GenerateStreamingAsync(Request(Prompts[i], 48)))).ToArray();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => victim);
        var results = await Task.WhenAll(others);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(expected[i], results[i].Tokens);
        }
    }

    [Fact]
    public async Task SequencesJoiningMidFlight_GetCorrectOutput()
    {
        var model = fixture.Model;
        int Length(int i) => i < 2 ? 400 : 48;
        var expected = new List<List<LlamaToken>>();
        for (var i = 0; i < 4; i++)
        {
            expected.Add((await Collect(model.GenerateStreamingAsync(Request(Prompts[i], Length(i))))).Tokens);
        }

        // Two long sequences start; once they are well into generation two short ones join. The short ones must end
        // while the long ones still generate (they shared steps), which a stalled test thread could miss: up to 3 tries.
        var joined = false;
        for (var attempt = 0; attempt < 3 && !joined; attempt++)
        {
            var startGenerated = model.Stats.GeneratedTokens;
            var first = Enumerable.Range(0, 2).Select(i => Collect(model.GenerateStreamingAsync(Request(Prompts[i], Length(i))))).ToArray();
            await WaitFor(() => model.Stats.GeneratedTokens - startGenerated >= 20);
            var late = Enumerable.Range(2, 2).Select(i => Collect(model.GenerateStreamingAsync(Request(Prompts[i], Length(i))))).ToArray();
            await Task.WhenAll(late);
            joined = first.All(t => !t.IsCompleted);
            var all = await Task.WhenAll(first.Concat(late));
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(expected[i], all[i].Tokens);
            }
        }

        Assert.True(joined, "the short sequences never ran while the long ones were generating");
    }

    /// <summary>
    /// Long greedy outputs (450 tokens, past two 256-cell steps of the KV window) are bit-identical alone, batched from the
    /// start, and batched with a sequence that started later at other positions. With flash attention on they are not:
    /// here they drifted from token 245 on, when the other sequence's window grew first.
    /// </summary>
    [Fact]
    public async Task LongGreedyOutput_IsTheSame_Alone_Together_AndStaggered()
    {
        using var model = await LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 512, MaxSequences = 4 });
        string[] prompts = ["The quick brown fox", "Once upon a time there was", "In the beginning", "Hello"];
        GenerationRequest Long(string p) => Request(p, 450);
        var alone = new List<(List<LlamaToken> Tokens, GenerationResult Result, string Streamed)>();
        foreach (var p in prompts)
        {
            alone.Add(await Collect(model.GenerateStreamingAsync(Long(p))));
        }

        var together = await Task.WhenAll(prompts.Select(p => Collect(model.GenerateStreamingAsync(Long(p)))));
        var startGenerated = model.Stats.GeneratedTokens;
        var early = Collect(model.GenerateStreamingAsync(Long(prompts[0])));
        await WaitFor(() => model.Stats.GeneratedTokens - startGenerated >= 50);
        var late = await Collect(model.GenerateStreamingAsync(Long(prompts[1])));
        var staggered = new[] { await early, late };
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(450, alone[i].Tokens.Count);
            Assert.Equal(alone[i].Tokens, together[i].Tokens);
            Assert.Equal(alone[i].Result.MeanSelfCertainty, together[i].Result.MeanSelfCertainty); // the logits too, not just their argmax
        }

        Assert.Equal(alone[0].Tokens, staggered[0].Tokens);
        Assert.Equal(alone[1].Tokens, staggered[1].Tokens);
    }

    [Fact]
    public async Task FlashAttention_Setting_ReachesLlamaCpp()
    {
        var request = Request("The quick brown fox", 4);
        using var off = await LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 256, MaxSequences = 1 });
        using var on = await LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 256, MaxSequences = 1, FlashAttention = FlashAttention.On });
        var a = await Collect(off.GenerateStreamingAsync(request));
        var b = await Collect(on.GenerateStreamingAsync(request));
        Assert.Equal(4, b.Tokens.Count);

        // Other attention kernels: the same model's first log-probability differs in its last digits.
        Assert.NotEqual(a.Result.MeanSelfCertainty, b.Result.MeanSelfCertainty);
        Assert.Throws<ArgumentException>(() => new LlamaModelOptions { FlashAttention = (FlashAttention)7 }.Validate());
    }

    [Fact]
    public async Task SeededSampling_IsRepeatable_AndSeedsDiffer()
    {
        var sampling = new SamplingOptions { Temperature = 1.2f, TopP = 0.95f, Seed = 1234 };
        var a = await fixture.Model.GenerateAsync(Request(Prompts[4], 32, sampling));
        var b = await fixture.Model.GenerateAsync(Request(Prompts[4], 32, sampling));
        var c = await fixture.Model.GenerateAsync(Request(Prompts[4], 32, sampling with { Seed = 99 }));
        Assert.Equal(a.Text, b.Text);
        Assert.NotEqual(a.Text, c.Text);
    }

    [Fact]
    public async Task StopString_EndsGeneration_BeforeTheString()
    {
        var free = await fixture.Model.GenerateAsync(Request(Prompts[5], 60));
        var text = free.Text;
        // Pick a stop string from the middle of the free-running output.
        var at = -1;
        string stop = "";
        for (var start = 5; start + 3 <= text.Length; start++)
        {
            stop = text.Substring(start, 3);
            if (text.IndexOf(stop, StringComparison.Ordinal) == start && !stop.Contains('\uFFFD'))
            {
                at = start;
                break;
            }
        }

        Assert.True(at > 0, "output too short to pick a stop string: " + text);
        var request = Request(Prompts[5], 60) with { StopStrings = [stop] };
        var stopped = await Collect(fixture.Model.GenerateStreamingAsync(request));
        Assert.Equal(text[..at], stopped.Result.Text);
        Assert.Equal(text[..at], stopped.Streamed);
        Assert.Equal(FinishReason.Stop, stopped.Result.FinishReason);
    }

    [Fact]
    public async Task LogProbsAndSelfCertainty_AreReported()
    {
        var request = Request(Prompts[6], 8) with { TopLogProbs = 5 };
        var tokens = new List<GeneratedToken>();
        await foreach (var u in fixture.Model.GenerateStreamingAsync(request))
        {
            if (u.Token is not null)
            {
                tokens.Add(u.Token);
            }
        }

        Assert.Equal(8, tokens.Count);
        foreach (var t in tokens)
        {
            Assert.True(t.LogProb <= 0);
            Assert.True(t.SelfCertainty >= 0);
            Assert.Equal(5, t.TopLogProbs!.Count);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(t.TopLogProbs[0].Token, t.Token);
            Assert.Equal(t.TopLogProbs[0].LogProb, t.LogProb, 5);
            Assert.True(t.TopLogProbs[0].LogProb >= t.TopLogProbs[4].LogProb);
        }
    }

    [Fact]
    public void PromptLongerThanContext_IsRejectedBeforeNativeCode()
    {
        var words = string.Join(' ', Enumerable.Repeat("derivative", 600));
        var e = Assert.Throws<PromptTooLongException>(() => fixture.Model.StartGeneration(Request(words)));
        Assert.Equal(512, e.ContextTokens);
        Assert.Contains("512", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidRequests_AreRejectedWithClearErrors()
    {
        var model = fixture.Model;
        Assert.Throws<ArgumentException>(() => model.StartGeneration(new GenerationRequest { Prompt = [] }));
        Assert.Throws<ArgumentException>(() => model.StartGeneration(new GenerationRequest { Prompt = [new LlamaToken(-1)] }));
        Assert.Throws<ArgumentException>(() => model.StartGeneration(new GenerationRequest { Prompt = [new LlamaToken(model.Vocabulary.Count)] }));
        Assert.Throws<ArgumentException>(() => model.StartGeneration(Request("hi") with { MaxTokens = 0 }));
        Assert.Throws<ArgumentException>(() => model.StartGeneration(Request("hi", sampling: new SamplingOptions { Temperature = 5 })));
        Assert.Throws<ArgumentException>(() => model.StartGeneration(Request("hi") with { StopStrings = [""] }));
    }

    [Fact]
    public async Task FullQueue_IsRefused_WhileOthersKeepRunning()
    {
        // The blocker's 2000 tokens take far longer than the few calls below, on any machine; it is cancelled at the end.
        using var small = await LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 2048, MaxSequences = 1, MaxQueuedRequests = 1 });
        using var cts = new CancellationTokenSource();
        var running = small.StartGeneration(Request("first", 2000), cts.Token);
        await running.WaitToReadAsync(); // admitted into the only slot
        var queued = small.StartGeneration(Request("second", 4));
        Assert.Throws<EngineBusyException>(() => small.StartGeneration(Request("third", 4)));
        await cts.CancelAsync();
        var r = await Collect(queued.ReadAllAsync());
        Assert.Equal(4, r.Tokens.Count);
    }

    [Fact]
    public async Task RequestCancelledWhileQueued_FreesItsPlaceAtOnce()
    {
        using var small = await LlamaModel.LoadAsync(fixture.TinyQ8Path, new LlamaModelOptions { ContextSize = 2048, MaxSequences = 1, MaxQueuedRequests = 1 });
        using var running = new CancellationTokenSource();
        var first = small.StartGeneration(Request("first", 2000), running.Token);
        await first.WaitToReadAsync();
        using var waiting = new CancellationTokenSource();
        var queued = small.StartGeneration(Request("second", 4), waiting.Token);
        Assert.Throws<EngineBusyException>(() => small.StartGeneration(Request("third", 4)));
        await waiting.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queued.ReadAllAsync().ToListAsync());
        var next = small.StartGeneration(Request("fourth", 4)); // the cancelled one no longer holds the place
        await running.CancelAsync();
        Assert.Equal(4, (await Collect(next.ReadAllAsync())).Tokens.Count);
    }
}
