using System.ClientModel;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;

namespace ExpertRouter.Api.Tests;

/// <summary>A remote OpenAI-compatible expert that is a second instance of the service, plus a dead and a slow remote.</summary>
public sealed class RemoteExpertTests
{
    private static readonly ChatMessage[] Question = [new UserChatMessage("Which enzyme digests starch?")];

    [Fact]
    public async Task RemoteExpert_AnswersLikeTheRemoteItself_StreamingAndNot()
    {
        await using var remote = await ServiceHost.StartAsync();
        await using var front = await ServiceHost.StartAsync(new Dictionary<string, string?> { ["ExpertRouter:DemoExperts"] = "false" });
        var (status, body) = await front.PostJsonAsync("/api/experts", new { id = "remote-medicine", kind = "openai", baseUrl = remote.BaseUrl + "/v1", model = "demo-medicine", description = "a second ExpertRouter" });
        Assert.True(status == 201, body.ToString());
        Assert.Equal("remote", body.GetProperty("state").GetString());

        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 24 };
        var direct = (await remote.OpenAi.GetChatClient("demo-medicine").CompleteChatAsync(Question, options)).Value.Content[0].Text;
        var viaFront = (await front.OpenAi.GetChatClient("remote-medicine").CompleteChatAsync(Question, options)).Value;
        Assert.Equal(direct, viaFront.Content[0].Text);
        Assert.Equal(24, viaFront.Usage.OutputTokenCount);

        var streamed = new StringBuilder();
        await foreach (var u in front.OpenAi.GetChatClient("remote-medicine").CompleteChatStreamingAsync(Question, new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 24 }))
        {
            foreach (var p in u.ContentUpdate)
            {
                streamed.Append(p.Text);
            }
        }

        Assert.Equal(direct, streamed.ToString());

        var e1 = (await remote.OpenAi.GetEmbeddingClient("demo-medicine").GenerateEmbeddingAsync("insulin")).Value.ToFloats().ToArray();
        var e2 = (await front.OpenAi.GetEmbeddingClient("remote-medicine").GenerateEmbeddingAsync("insulin")).Value.ToFloats().ToArray();
        Assert.Equal(e1, e2);

        var models = (await front.OpenAi.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();
        Assert.Equal("remote-medicine", models[0]);
        Assert.All(models.Skip(1), m => Assert.StartsWith("moe/", m, StringComparison.Ordinal)); // only the router virtual models besides
    }

    [Fact]
    public async Task RemoteDown_Is503_RemoteSlow_Is504_AndOthersAreUnaffected()
    {
        await using var slow = await SlowServer.StartAsync(TimeSpan.FromSeconds(20));
        await using var front = await ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["ExpertRouter:Remote:Timeout"] = "00:00:01.500",
            ["ExpertRouter:Remote:MaxRetries"] = "1",
        });
        await front.PostJsonAsync("/api/experts", new { id = "dead", kind = "openai", baseUrl = "http://127.0.0.1:9/v1", model = "x" });
        await front.PostJsonAsync("/api/experts", new { id = "slow", kind = "openai", baseUrl = slow.BaseUrl + "/v1", model = "x" });

        var dead = await Assert.ThrowsAsync<ClientResultException>(() => front.OpenAi.GetChatClient("dead").CompleteChatAsync(Question));
        Assert.Equal(503, dead.Status);
        Assert.Contains("expert_unavailable", dead.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);

        var timedOut = await Assert.ThrowsAsync<ClientResultException>(() => front.OpenAi.GetChatClient("slow").CompleteChatAsync(Question));
        Assert.Equal(504, timedOut.Status);
        Assert.Contains("expert_timeout", timedOut.GetRawResponse()!.Content.ToString(), StringComparison.Ordinal);

        var local = (await front.OpenAi.GetChatClient("demo-general").CompleteChatAsync(Question, new ChatCompletionOptions { MaxOutputTokenCount = 3 })).Value;
        Assert.Equal(3, local.Usage.OutputTokenCount);
    }

    /// <summary>An endpoint that accepts requests and answers far too late.</summary>
    private sealed class SlowServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private SlowServer(WebApplication app) => _app = app;

        public string BaseUrl => _app.Urls.First();

        public static async Task<SlowServer> StartAsync(TimeSpan delay)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapPost("/v1/chat/completions", async (HttpContext c) => await Task.Delay(delay, c.RequestAborted));
            await app.StartAsync();
            return new SlowServer(app);
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
