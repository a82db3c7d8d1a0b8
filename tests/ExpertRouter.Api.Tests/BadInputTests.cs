using System.Net;
using System.Text;
using System.Text.Json;

namespace ExpertRouter.Api.Tests;

/// <summary>
/// Every bad request gets a clear 4xx/5xx in the right envelope (OpenAI's under /v1, ProblemDetails
/// under /api), and the service keeps answering good requests afterwards.
/// </summary>
[Collection(DemoServiceGroup.Name)]
public sealed class BadInputTests(DemoServiceFixture fixture)
{
    public sealed record BadCase(string Name, string Method, string Path, string? Body, int Status, string? Code, string? Param = null, string ContentType = "application/json");

    private static string Chat(string extra, string model = "demo-general", string messages = "[{\"role\":\"user\",\"content\":\"hi\"}]") =>
        $"{{\"model\":\"{model}\",\"messages\":{messages}{(extra.Length > 0 ? "," + extra : "")}}}";

    public static TheoryData<string> CaseNames => [.. Cases().Select(c => c.Name)];

    private static IEnumerable<BadCase> Cases()
    {
        const string chat = "/v1/chat/completions";
        yield return new("malformed JSON", "POST", chat, "{\"model\": \"demo-general\", \"messages\": [", 400, "invalid_json");
        yield return new("body is an array", "POST", chat, "[1,2,3]", 400, "invalid_json");
        yield return new("empty body", "POST", chat, "", 400, "invalid_json");
        yield return new("missing model", "POST", chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400, "missing_required_parameter", "model");
        yield return new("model is a number", "POST", chat, "{\"model\":42,\"messages\":[]}", 400, "invalid_json", "model");
        yield return new("unknown model", "POST", chat, Chat("", "gpt-17"), 404, "model_not_found", "model");
        yield return new("missing messages", "POST", chat, "{\"model\":\"demo-general\"}", 400, "missing_required_parameter", "messages");
        yield return new("empty messages", "POST", chat, Chat("", messages: "[]"), 400, "empty_array", "messages");
        yield return new("message without role", "POST", chat, Chat("", messages: "[{\"content\":\"hi\"}]"), 400, "missing_required_parameter", "messages[0].role");
        yield return new("unknown role", "POST", chat, Chat("", messages: "[{\"role\":\"wizard\",\"content\":\"hi\"}]"), 400, "invalid_value", "messages[0].role");
        yield return new("tool role", "POST", chat, Chat("", messages: "[{\"role\":\"tool\",\"content\":\"hi\"}]"), 400, "unsupported_value", "messages[0].role");
        yield return new("content is a number", "POST", chat, Chat("", messages: "[{\"role\":\"user\",\"content\":5}]"), 400, "invalid_type", "messages[0].content");
        yield return new("image content part", "POST", chat, Chat("", messages: "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]"), 400, "unsupported_value", "messages[0].content[0].type");
        yield return new("user message without content", "POST", chat, Chat("", messages: "[{\"role\":\"user\"}]"), 400, "missing_required_parameter", "messages[0].content");
        yield return new("negative max_tokens", "POST", chat, Chat("\"max_tokens\":-5"), 400, "invalid_value", "max_tokens");
        yield return new("absurd max_tokens", "POST", chat, Chat("\"max_tokens\":2000000000"), 400, "invalid_value", "max_tokens");
        yield return new("max_tokens is a string", "POST", chat, Chat("\"max_tokens\":\"ten\""), 400, "invalid_json", "max_tokens");
        yield return new("temperature too high", "POST", chat, Chat("\"temperature\":3.5"), 400, "invalid_value", "temperature");
        yield return new("temperature negative", "POST", chat, Chat("\"temperature\":-0.1"), 400, "invalid_value", "temperature");
        yield return new("top_p zero", "POST", chat, Chat("\"top_p\":0"), 400, "invalid_value", "top_p");
        yield return new("top_p above one", "POST", chat, Chat("\"top_p\":1.5"), 400, "invalid_value", "top_p");
        yield return new("n zero", "POST", chat, Chat("\"n\":0"), 400, "invalid_value", "n");
        yield return new("n absurd", "POST", chat, Chat("\"n\":1000"), 400, "invalid_value", "n");
        yield return new("frequency_penalty out of range", "POST", chat, Chat("\"frequency_penalty\":9"), 400, "invalid_value", "frequency_penalty");
        yield return new("top_logprobs without logprobs", "POST", chat, Chat("\"top_logprobs\":3"), 400, "invalid_value", "top_logprobs");
        yield return new("top_logprobs too many", "POST", chat, Chat("\"logprobs\":true,\"top_logprobs\":50"), 400, "invalid_value", "top_logprobs");
        yield return new("stop is an object", "POST", chat, Chat("\"stop\":{\"a\":1}"), 400, "invalid_type", "stop");
        yield return new("too many stop strings", "POST", chat, Chat("\"stop\":[" + string.Join(',', Enumerable.Range(0, 20).Select(i => $"\"s{i}\"")) + "]"), 400, "invalid_value", "stop");
        yield return new("stream_options without stream", "POST", chat, Chat("\"stream_options\":{\"include_usage\":true}"), 400, "invalid_value", "stream_options");
        yield return new("seed is a string", "POST", chat, Chat("\"seed\":\"abc\""), 400, "invalid_json", "seed");
        yield return new("prompt beyond the context", "POST", chat, Chat("", messages: "[{\"role\":\"user\",\"content\":\"" + string.Join(' ', Enumerable.Repeat("derivative", 3000)) + "\"}]"), 400, "context_length_exceeded", "messages");
        yield return new("oversized body", "POST", chat, Chat("", messages: "[{\"role\":\"user\",\"content\":\"" + new string('x', 17 * 1024 * 1024) + "\"}]"), 413, "request_too_large");
        yield return new("GET on a POST endpoint", "GET", chat, null, 405, null);
        yield return new("unknown /v1 endpoint", "POST", "/v1/completions/legacy", "{}", 404, "unknown_url");
        yield return new("unknown model via GET", "GET", "/v1/models/nope", null, 404, "model_not_found", "model");
        yield return new("embeddings: empty input array", "POST", "/v1/embeddings", "{\"model\":\"demo-general\",\"input\":[]}", 400, "empty_array", "input");
        yield return new("embeddings: token ids", "POST", "/v1/embeddings", "{\"model\":\"demo-general\",\"input\":[[1,2,3]]}", 400, "invalid_type", "input");
        yield return new("embeddings: bad encoding", "POST", "/v1/embeddings", "{\"model\":\"demo-general\",\"input\":\"a\",\"encoding_format\":\"hex\"}", 400, "invalid_value", "encoding_format");
        yield return new("embeddings: wrong dimensions", "POST", "/v1/embeddings", "{\"model\":\"demo-general\",\"input\":\"a\",\"dimensions\":3}", 400, "invalid_value", "options");
        yield return new("embeddings: unknown model", "POST", "/v1/embeddings", "{\"model\":\"nope\",\"input\":\"a\"}", 404, "model_not_found", "model");
        yield return new("embeddings: input too long", "POST", "/v1/embeddings", "{\"model\":\"demo-general\",\"input\":\"" + string.Join(' ', Enumerable.Repeat("word", 3000)) + "\"}", 400, "context_length_exceeded");
        yield return new("api: unknown expert", "GET", "/api/experts/nope", null, 404, "model_not_found");
        yield return new("api: path outside model directories", "POST", "/api/experts", "{\"id\":\"evil\",\"kind\":\"gguf\",\"path\":\"/etc/passwd\"}", 400, "invalid_value", "path");
        yield return new("api: dot-dot escape", "POST", "/api/experts", "{\"id\":\"evil2\",\"kind\":\"gguf\",\"path\":\"../../../../etc/hostname\"}", 400, "invalid_value", "path");
        yield return new("api: unknown kind", "POST", "/api/experts", "{\"id\":\"x\",\"kind\":\"magic\"}", 400, "invalid_value", "kind");
        yield return new("api: bad id", "POST", "/api/experts", "{\"id\":\"has space\",\"kind\":\"openai\",\"baseUrl\":\"http://x/v1\",\"model\":\"m\"}", 400, "invalid_value", "id");
        yield return new("api: remote without baseUrl", "POST", "/api/experts", "{\"id\":\"r1\",\"kind\":\"openai\",\"model\":\"m\"}", 400, "invalid_value", "baseUrl");
        yield return new("api: duplicate id", "POST", "/api/experts", "{\"id\":\"demo-math\",\"kind\":\"openai\",\"baseUrl\":\"http://x/v1\",\"model\":\"m\"}", 409, "conflict", "id");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BadRequest_GetsAClearError_InTheRightEnvelope(string name)
    {
        var c = Cases().Single(x => x.Name == name);
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        if (c.Body is not null)
        {
            request.Content = new StringContent(c.Body, Encoding.UTF8, c.ContentType);
            request.Headers.ExpectContinue = c.Body.Length > 1024 * 1024; // lets the client read an early 413
        }

        using var response = await fixture.Host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(c.Status == (int)response.StatusCode, $"{c.Name}: expected {c.Status}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        if (c.Path.StartsWith("/v1", StringComparison.Ordinal))
        {
            var error = body.GetProperty("error");
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("type").GetString()));
            Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _), text);
            if (c.Code is not null)
            {
                Assert.Equal(c.Code, error.GetProperty("code").GetString());
            }

            if (c.Param is not null)
            {
                Assert.Equal(c.Param, error.GetProperty("param").GetString());
            }
        }
        else
        {
            Assert.Equal(c.Status, body.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
            if (c.Code is not null)
            {
                Assert.Equal(c.Code, body.GetProperty("code").GetString());
            }

            if (c.Param is not null)
            {
                Assert.Equal(c.Param, body.GetProperty("field").GetString());
            }
        }

        // The service keeps serving.
        var (status, ok) = await fixture.Host.PostJsonAsync("/v1/chat/completions", new { model = "demo-general", messages = new[] { new { role = "user", content = "still there?" } }, max_tokens = 2 });
        Assert.Equal(200, status);
        Assert.Equal(2, ok.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task NotAGgufFile_IsRefusedWith422()
    {
        var file = Path.Combine(fixture.Host.ModelDirectory, "not-a-model.gguf");
        await File.WriteAllTextAsync(file, "hello, I am text");
        var (status, body) = await fixture.Host.PostJsonAsync("/api/experts", new { id = "text-file", kind = "gguf", path = file });
        Assert.True(status == 422, body.ToString());
        Assert.Contains("BadMagic", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("not-a-model.gguf", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FullQueue_Is429_AndTheServiceRecovers()
    {
        await using var host = await ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["ExpertRouter:DefaultMaxSequences"] = "1",
            ["ExpertRouter:MaxQueuedRequests"] = "2",
        });
        // One slot, two queue places: eight choices cannot all be accepted.
        var (status, body) = await host.PostJsonAsync("/v1/chat/completions", new
        {
            model = "demo-math",
            messages = new[] { new { role = "user", content = "count" } },
            n = 8,
            max_tokens = 200,
        });
        Assert.Equal(429, status);
        Assert.Equal("queue_full", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", body.GetProperty("error").GetProperty("type").GetString());

        var (okStatus, _) = await host.PostJsonAsync("/v1/chat/completions", new { model = "demo-math", messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 3 });
        Assert.Equal(200, okStatus);
    }
}
