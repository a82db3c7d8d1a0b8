using System.Text;
using System.Text.Json;

namespace ExpertRouter.Api.OpenAi;

/// <summary>Server-sent events as OpenAI streams them: <c>data: {json}\n\n</c> ... <c>data: [DONE]\n\n</c>; comments (<c>: text</c>) for progress.</summary>
public sealed class SseWriter(HttpResponse response, JsonSerializerOptions json)
{
    public bool Started { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Started)
        {
            return;
        }

        Started = true;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task CommentAsync(string text, CancellationToken cancellationToken) =>
        WriteRawAsync(": " + text.ReplaceLineEndings(" ") + "\n\n", cancellationToken);

    public Task DataAsync<T>(T payload, CancellationToken cancellationToken) =>
        WriteRawAsync("data: " + JsonSerializer.Serialize(payload, json) + "\n\n", cancellationToken);

    public Task DoneAsync(CancellationToken cancellationToken) => WriteRawAsync("data: [DONE]\n\n", cancellationToken);

    private async Task WriteRawAsync(string text, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
