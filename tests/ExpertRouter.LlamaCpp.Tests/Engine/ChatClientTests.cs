using ExpertRouter.LlamaCpp.Chat;
using ExpertRouter.LlamaCpp.Generation;
using Microsoft.Extensions.AI;

namespace ExpertRouter.LlamaCpp.Tests.Engine;

[Collection(LlamaGroup.Name)]
public sealed class ChatClientTests(LlamaFixture fixture)
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "You are a careful assistant."),
        new(ChatRole.User, "What is 12 times 12?"),
    ];

    [Fact]
    public void ModelTemplate_IsRecognisedByLlamaCpp_AsChatMl()
    {
        Assert.NotNull(fixture.Model.ChatTemplate);
        var (prompt, fallback) = ChatPromptFormatter.Format(fixture.Model.ChatTemplate, Conversation);
        Assert.False(fallback);
        Assert.Equal("<|im_start|>system\nYou are a careful assistant.<|im_end|>\n<|im_start|>user\nWhat is 12 times 12?<|im_end|>\n<|im_start|>assistant\n", prompt);
    }

    [Fact]
    public void UnknownTemplate_FallsBackToChatMl()
    {
        var (prompt, fallback) = ChatPromptFormatter.Format("{{ this is not a template anyone knows }}", Conversation);
        Assert.True(fallback);
        Assert.StartsWith("<|im_start|>system\n", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void ChatPrompt_TokenizesControlTokensAsSpecial()
    {
        using var client = new LlamaChatClient(fixture.Model);
        var request = client.BuildRequest(Conversation, null);
        var imStart = fixture.Model.Vocabulary.Tokenize("<|im_start|>", addSpecial: false, parseSpecial: true);
        Assert.Single(imStart);
        Assert.Contains(imStart[0], request.Prompt);
    }

    [Fact]
    public async Task Streaming_And_NonStreaming_ChatGiveTheSameText_AtTemperatureZero()
    {
        using var client = new LlamaChatClient(fixture.Model, "tiny");
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 32 };
        var response = await client.GetResponseAsync(Conversation, options);
        var streamed = "";
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        await foreach (var u in client.GetStreamingResponseAsync(Conversation, options))
        {
            streamed += u.Text;
            finish = u.FinishReason ?? finish;
            usage = u.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
        }

        Assert.Equal(response.Text, streamed);
        Assert.Equal(response.FinishReason, finish);
        Assert.Equal(response.Usage!.OutputTokenCount, usage!.OutputTokenCount);
        Assert.Equal("tiny", response.ModelId);
        Assert.True((double)response.AdditionalProperties![LlamaChatClient.SelfCertaintyKey]! >= 0);
    }

    [Fact]
    public async Task LogProbs_AreReturned_WhenAsked()
    {
        using var client = new LlamaChatClient(fixture.Model);
        var options = new ChatOptions
        {
            Temperature = 0,
            MaxOutputTokens = 6,
            AdditionalProperties = new() { [ChatRequestMapper.LogProbsKey] = true, [ChatRequestMapper.TopLogProbsKey] = 3 },
        };
        var response = await client.GetResponseAsync(Conversation, options);
        var tokens = Assert.IsType<List<GeneratedToken>>(response.AdditionalProperties![LlamaChatClient.TokensKey]);
        Assert.InRange(tokens.Count, 1, 6);
        Assert.All(tokens, t => Assert.Equal(3, t.TopLogProbs!.Count));
    }
}
