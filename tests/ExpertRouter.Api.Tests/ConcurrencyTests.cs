using System.Text;
using OpenAI.Chat;

namespace ExpertRouter.Api.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task EightSimultaneousStreams_CompleteCorrectly_OneLoad_SharedBatches()
    {
        await using var host = await ServiceHost.StartAsync();
        var chat = host.OpenAi.GetChatClient("demo-general");
        var prompts = Enumerable.Range(0, 8).Select(i => $"Question number {i}: explain item {i * 7} briefly.").ToArray();
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 48 };

        async Task<string> Stream(string prompt)
        {
            var sb = new StringBuilder();
            await foreach (var u in chat.CompleteChatStreamingAsync([new UserChatMessage(prompt)], options))
            {
                foreach (var p in u.ContentUpdate)
                {
                    sb.Append(p.Text);
                }
            }

            return sb.ToString();
        }

        var streamed = await Task.WhenAll(prompts.Select(Stream));

        // Each answer equals the same request made alone afterwards (greedy, q8_0: batching changes nothing).
        for (var i = 0; i < prompts.Length; i++)
        {
            var alone = (await chat.CompleteChatAsync([new UserChatMessage(prompts[i])], options)).Value.Content[0].Text;
            Assert.Equal(alone, streamed[i]);
        }

        var expert = await host.GetJsonAsync("/api/experts/demo-general");
        var runtime = expert.GetProperty("runtime");
        Assert.Equal(1, runtime.GetProperty("loads").GetInt32());
        var decode = runtime.GetProperty("decode");
        Assert.True(decode.GetProperty("sharedSteps").GetInt64() > 0, "no decode step advanced two requests together");
        Assert.True(decode.GetProperty("maxSequencesInStep").GetInt32() >= 4, decode.ToString());

        var metrics = await host.Http.GetStringAsync("/metrics");
        Assert.Contains("expertrouter_decode_shared_steps_total{expert=\"demo-general\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("expertrouter_model_loads_total{expert=\"demo-general\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChoicesN_AreDecodedTogether_AndDifferWithSeed()
    {
        await using var host = await ServiceHost.StartAsync();
        var (status, body) = await host.PostJsonAsync("/v1/chat/completions", new
        {
            model = "demo-math",
            messages = new[] { new { role = "user", content = "Give me a number." } },
            n = 4,
            temperature = 1.0,
            seed = 7,
            max_tokens = 16,
        });
        Assert.Equal(200, status);
        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal(4, choices.Count);
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.True(choices.Select(c => c.GetProperty("message").GetProperty("content").GetString()).Distinct().Count() > 1);
        Assert.Equal(64, body.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
    }
}
