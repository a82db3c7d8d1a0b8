using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.Testing;

namespace ExpertRouter.Api.Tests;

/// <summary>The management API end to end, run on SQLite and on a real PostgreSQL.</summary>
public abstract class RegistryApiTests
{
    protected abstract Task<ServiceHost> StartAsync(string? dataDirectory = null);

    [SkippableFact]
    public async Task RegisterGetUpdateLoadUnloadDelete_PersistsAcrossRestarts()
    {
        var data = Directory.CreateTempSubdirectory("er-reg-").FullName;
        try
        {
            string modelPath;
            await using (var host = await StartAsync(data))
            {
                var models = Path.Combine(host.ModelDirectory, "mine");
                Directory.CreateDirectory(models);
                modelPath = Path.Combine(models, "custom.gguf");
                TestModelGenerator.Generate(TestModelSpec.Tiny with { Seed = 77, Name = "custom" }, modelPath);

                var (status, created) = await host.PostJsonAsync("/api/experts", new
                {
                    id = "custom",
                    kind = "gguf",
                    path = modelPath,
                    description = "My own model",
                    tags = new[] { "mine" },
                    sampling = new { temperature = 0.2 },
                    contextSize = 256,
                });
                Assert.True(status == 201, created.ToString());
                Assert.Equal("unloaded", created.GetProperty("state").GetString());

                var one = await host.GetJsonAsync("/api/experts/custom");
                var meta = one.GetProperty("metadata");
                Assert.Equal("llama", meta.GetProperty("architecture").GetString());
                Assert.Equal("Q8_0", meta.GetProperty("quantization").GetString());
                Assert.Equal(TestModelSpec.Tiny.ParameterCount, meta.GetProperty("parameters").GetInt64());
                Assert.True(meta.GetProperty("estimatedMemoryBytes").GetInt64() > new FileInfo(modelPath).Length);

                using var put = await host.Http.PutAsJsonAsync("/api/experts/custom", new { kind = "gguf", path = modelPath, description = "Updated", contextSize = 512 });
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);

                var (loadStatus, loaded) = await host.PostJsonAsync("/api/experts/custom/load", new { });
                Assert.Equal(200, loadStatus);
                Assert.Equal("idle", loaded.GetProperty("state").GetString());
                var (unloadStatus, unloaded) = await host.PostJsonAsync("/api/experts/custom/unload", new { });
                Assert.Equal(200, unloadStatus);
                Assert.Equal("unloaded", unloaded.GetProperty("state").GetString());

                var (rStatus, _) = await host.PostJsonAsync("/api/experts", new { id = "far-away", kind = "openai", baseUrl = "http://example.invalid:8000/v1", model = "big", apiKeySetting = "FAR_AWAY_KEY" });
                Assert.Equal(201, rStatus);
            }

            // A new process on the same database sees the same registry.
            await using (var again = await StartAsync(data))
            {
                var list = await again.GetJsonAsync("/api/experts");
                var custom = list.EnumerateArray().Single(e => e.GetProperty("id").GetString() == "custom");
                Assert.Equal("Updated", custom.GetProperty("description").GetString());
                Assert.Equal(512, custom.GetProperty("contextSize").GetInt32());
                Assert.Equal(modelPath, custom.GetProperty("path").GetString());
                var remote = list.EnumerateArray().Single(e => e.GetProperty("id").GetString() == "far-away");
                Assert.Equal("openai", remote.GetProperty("kind").GetString());
                Assert.Equal("FAR_AWAY_KEY", remote.GetProperty("apiKeySetting").GetString());

                var answer = await again.PostJsonAsync("/v1/chat/completions", new { model = "custom", messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 3 });
                Assert.Equal(200, answer.Status);

                using var delete = await again.Http.DeleteAsync("/api/experts/custom");
                Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
                using var gone = await again.Http.GetAsync("/api/experts/custom");
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
                var missing = await again.PostJsonAsync("/v1/chat/completions", new { model = "custom", messages = new[] { new { role = "user", content = "hi" } } });
                Assert.Equal(404, missing.Status);
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [SkippableFact]
    public async Task HealthReadySwaggerAndMetrics_Answer()
    {
        await using var host = await StartAsync();
        Assert.Equal("ok", (await host.GetJsonAsync("/health")).GetProperty("status").GetString());
        var ready = await host.GetJsonAsync("/ready");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("ok", ready.GetProperty("checks").GetProperty("database").GetString());

        var swagger = await host.GetJsonAsync("/swagger/v1/swagger.json");
        var paths = swagger.GetProperty("paths");
        foreach (var p in new[] { "/v1/models", "/v1/chat/completions", "/v1/embeddings", "/api/experts", "/api/experts/{id}", "/api/experts/{id}/load", "/health", "/ready", "/metrics" })
        {
            Assert.True(paths.TryGetProperty(p, out _), "swagger lacks " + p);
        }

        using var ui = await host.Http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        var metrics = await host.Http.GetStringAsync("/metrics");
        Assert.Contains("expertrouter_memory_budget_bytes", metrics, StringComparison.Ordinal);
    }
}

public sealed class SqliteRegistryApiTests : RegistryApiTests
{
    protected override Task<ServiceHost> StartAsync(string? dataDirectory = null) => ServiceHost.StartAsync(dataDirectory: dataDirectory);
}

[Collection(PostgresFixture.Collection)]
public sealed class PostgresRegistryApiTests(PostgresFixture fixture) : RegistryApiTests
{
    private readonly Dictionary<string, string> _databases = [];

    protected override async Task<ServiceHost> StartAsync(string? dataDirectory = null)
    {
        var server = fixture.RequireServer();
        var key = dataDirectory ?? Guid.NewGuid().ToString();
        if (!_databases.TryGetValue(key, out var connection))
        {
            connection = await server.CreateDatabaseAsync();
            _databases[key] = connection;
        }

        return await ServiceHost.StartAsync(new Dictionary<string, string?>
        {
            ["ExpertRouter:Storage:Provider"] = "Postgres",
            ["ExpertRouter:Storage:ConnectionString"] = connection,
        }, dataDirectory);
    }
}

[CollectionDefinition(PostgresFixture.Collection)]
public sealed class PostgresGroup : ICollectionFixture<PostgresFixture>;
