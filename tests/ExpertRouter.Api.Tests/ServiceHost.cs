using System.ClientModel;
using System.Net.Http.Json;
using System.Text.Json;
using ExpertRouter.Api;
using ExpertRouter.LlamaCpp.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

namespace ExpertRouter.Api.Tests;

/// <summary>A real ExpertRouter on Kestrel, 127.0.0.1, a free port, its own data directory.</summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsData;

    private ServiceHost(WebApplication app, string dataDirectory, bool ownsData)
    {
        _app = app;
        _ownsData = ownsData;
        DataDirectory = dataDirectory;
        BaseUrl = app.Urls.First().TrimEnd('/');
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromMinutes(3) };
        OpenAi = new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(BaseUrl + "/v1") });
    }

    public string BaseUrl { get; }

    public string DataDirectory { get; }

    public string ModelDirectory => Path.Combine(DataDirectory, "models");

    public HttpClient Http { get; }

    public OpenAIClient OpenAi { get; }

    public IServiceProvider Services => _app.Services;

    public LlamaModelManager Models => _app.Services.GetRequiredService<LlamaModelManager>();

    public static async Task<ServiceHost> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("er-api-").FullName;
        var config = new Dictionary<string, string?>
        {
            ["ExpertRouter:DataDirectory"] = dataDirectory,
            ["ExpertRouter:DemoExperts"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            config[k] = v;
        }

        var app = ExpertRouterApp.Create(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(config));
        await app.StartAsync();
        return new ServiceHost(app, dataDirectory, owns);
    }

    public Task<JsonElement> GetJsonAsync(string path) => Batch.BatchTestData.GetAsync(Http, path);

    public async Task<(int Status, JsonElement Body)> PostJsonAsync(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsData)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
