using System.ClientModel;
using System.Text;
using OpenAI.Chat;

namespace ExpertRouter.Api.Tests;

/// <summary>The official OpenAI .NET client against a real ExpertRouter on generated GGUF experts.</summary>
[Collection(DemoServiceGroup.Name)]
public sealed class OpenAiClientTests(DemoServiceFixture fixture)
{
    private ServiceHost Host => fixture.Host;

    private static readonly ChatMessage[] Question = [new SystemChatMessage("Answer briefly."), new UserChatMessage("What is the derivative of x squared?")];

    [Fact]
    public async Task ListModels_ShowsTheDemoExperts()
    {
        var models = (await Host.OpenAi.GetOpenAIModelClient().GetModelsAsync()).Value;
        var ids = models.Select(m => m.Id).ToList();
        Assert.Contains("demo-general", ids);
        Assert.Contains("demo-math", ids);
        Assert.Contains("demo-medicine", ids);
        var one = (await Host.OpenAi.GetOpenAIModelClient().GetModelAsync("demo-math")).Value;
        Assert.Equal("demo-math", one.Id);
    }

    [Fact]
    public async Task Chat_StreamingAndNonStreaming_GiveTheSameText_AtTemperatureZero()
    {
        var chat = Host.OpenAi.GetChatClient("demo-math");
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 };
        var completion = (await chat.CompleteChatAsync(Question, options)).Value;
        var text = completion.Content[0].Text;
        Assert.False(string.IsNullOrEmpty(text));
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(40, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 5);

        var streamed = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var streamOptions = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 };
        await foreach (var update in chat.CompleteChatStreamingAsync(Question, streamOptions))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }

            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
        }

        Assert.Equal(text, streamed.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage); // the SDK asks for stream_options.include_usage
        Assert.Equal(40, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Chat_SeedMakesSampledAnswersRepeatable_AndStopEndsEarly()
    {
        var chat = Host.OpenAi.GetChatClient("demo-general");
        var options = new ChatCompletionOptions { Temperature = 1, Seed = 42, MaxOutputTokenCount = 24 };
        var a = (await chat.CompleteChatAsync(Question, options)).Value.Content[0].Text;
        var b = (await chat.CompleteChatAsync(Question, options)).Value.Content[0].Text;
        Assert.Equal(a, b);

        var greedy = (await chat.CompleteChatAsync(Question, new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 30 })).Value.Content[0].Text;
        var stop = greedy.Substring(6, 2);
        var cut = greedy.IndexOf(stop, StringComparison.Ordinal);
        var stopOptions = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 30 };
        stopOptions.StopSequences.Add(stop);
        var stopped = (await chat.CompleteChatAsync(Question, stopOptions)).Value;
        Assert.Equal(greedy[..cut], stopped.Content.Count == 0 ? "" : stopped.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [Fact]
    public async Task Chat_LogProbs_AreReturned()
    {
        var chat = Host.OpenAi.GetChatClient("demo-medicine");
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 5, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 };
        var completion = (await chat.CompleteChatAsync(Question, options)).Value;
        Assert.Equal(5, completion.ContentTokenLogProbabilities.Count);
        foreach (var t in completion.ContentTokenLogProbabilities)
        {
            Assert.True(t.LogProbability <= 0);
            Assert.Equal(3, t.TopLogProbabilities.Count);
            Assert.Equal(t.TopLogProbabilities[0].LogProbability, t.LogProbability, 4);
        }
    }

    [Fact]
    public async Task Embeddings_ReturnOneNormalisedVectorPerInput()
    {
        var client = Host.OpenAi.GetEmbeddingClient("demo-general");
        var result = (await client.GenerateEmbeddingsAsync(["contract law", "organic chemistry", "contract law"])).Value;
        Assert.Equal(3, result.Count);
        var v0 = result[0].ToFloats().ToArray();
        Assert.Equal(64, v0.Length);
        Assert.Equal(1.0, Math.Sqrt(v0.Sum(x => (double)x * x)), 3);
        Assert.Equal(v0, result[2].ToFloats().ToArray());
        Assert.NotEqual(v0, result[1].ToFloats().ToArray());
        Assert.True(result.Usage.InputTokenCount > 0);
    }

    [Fact]
    public async Task UnknownModel_Is404_InOpenAisEnvelope()
    {
        var chat = Host.OpenAi.GetChatClient("no-such-model");
        var e = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, e.Status);
        var body = e.GetRawResponse()!.Content.ToString();
        Assert.Contains("\"error\"", body, StringComparison.Ordinal);
        Assert.Contains("model_not_found", body, StringComparison.Ordinal);
        Assert.Contains("no-such-model", e.Message, StringComparison.Ordinal);
    }
}
