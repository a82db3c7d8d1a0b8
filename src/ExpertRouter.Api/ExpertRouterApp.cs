using System.Text.Json;
using System.Text.Json.Serialization;
using ExpertRouter.Api.Configuration;
using ExpertRouter.Api.Experts;
using ExpertRouter.Api.Health;
using ExpertRouter.Api.Hosting;
using ExpertRouter.Api.Management;
using ExpertRouter.Api.OpenAi;
using ExpertRouter.Api.Profiling;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Moe;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Prompts;
using ExpertRouter.Core.Remote;
using ExpertRouter.Core.VectorStore;
using ExpertRouter.LlamaCpp;
using ExpertRouter.LlamaCpp.Hosting;
using ExpertRouter.Storage;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api;

/// <summary>The composition root: builds the web application (used by Program and by the tests).</summary>
public static class ExpertRouterApp
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["Kestrel:Endpoints:Http:Url"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.AddExpertRouter();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseMiddleware<ErrorHandlingMiddleware>();
        app.UseSwagger();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/swagger/v1/swagger.json", "ExpertRouter v1");
            o.DocumentTitle = "ExpertRouter API";
        });
        app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();
        app.MapOpenAiApi();
        app.MapExpertApi();
        app.MapProfilingApi();
        app.MapBatchApi();
        app.MapRoutingApi();
        app.MapHealthApi();
        app.MapMetrics();
        return app;
    }

    public static WebApplicationBuilder AddExpertRouter(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddOptions<ExpertRouterOptions>().BindConfiguration(ExpertRouterOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExpertRouterOptions>, ExpertRouterOptionsValidator>();
        services.AddOptions<LlamaEngineOptions>().BindConfiguration("ExpertRouter:Llama");
        services.AddOptions<RemoteExpertOptions>().BindConfiguration("ExpertRouter:Remote");
        services.AddExpertRouterStorage(configuration);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ExpertRouterOptions>>().Value;
            var budget = ByteSize.TryParse(o.MemoryBudget, out var parsed) ? parsed : 0;
            return new LlamaModelManager(new ModelManagerOptions
            {
                MemoryBudgetBytes = budget,
                IdleUnloadAfter = o.IdleUnloadAfter,
                AdmissionTimeout = o.AdmissionTimeout,
            }, sp.GetRequiredService<ILogger<LlamaModelManager>>());
        });
        services.AddSingleton<NativeRuntimeState>();
        services.AddSingleton<StartupState>();
        services.AddSingleton<ExpertRegistry>();
        services.AddSingleton<ExpertClientProvider>();
        services.AddSingleton<IExpertClientProvider>(sp => sp.GetRequiredService<ExpertClientProvider>());
        services.AddOptions<MoeOptions>().BindConfiguration("ExpertRouter:Routing");
        services.AddSingleton(_ => PromptLibrary.Load(configuration["ExpertRouter:PromptsDirectory"] is { Length: > 0 } p ? p : PromptLibrary.FindDefaultDirectory()
            ?? throw new InvalidOperationException("The prompts/ folder was not found next to the application; set ExpertRouter:PromptsDirectory.")));
        services.AddSingleton<KeywordAnnotator>();
        services.AddSingleton<ProfilingRunner>();
        services.AddSingleton<ProfilingService>();
        services.AddSingleton<IVectorStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<ExpertRouterOptions>>().Value;
            var section = configuration.GetSection("ExpertRouter:VectorStore");
            var vectorOptions = new VectorStoreOptions
            {
                Provider = section["Provider"] ?? VectorStoreOptions.EmbeddedProvider,
                Directory = section["Directory"] ?? Path.Combine(o.ResolvedDataDirectory, "vectors"),
                FallbackToEmbedded = section.GetValue("FallbackToEmbedded", true),
                Qdrant = new QdrantOptions
                {
                    Url = new Uri(section["Qdrant:Url"] ?? Environment.GetEnvironmentVariable("QDRANT_URL") ?? "http://localhost:6333"),
                    ApiKey = section["Qdrant:ApiKey"],
                    Timeout = section.GetValue("Qdrant:Timeout", TimeSpan.FromSeconds(10)),
                },
            };
            return VectorStoreFactory.Create(vectorOptions, sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddSingleton<RouterEmbedder>();
        services.AddSingleton<RouterContext>();
        services.AddSingleton<MoeExecutor>();
        services.AddSingleton<SymbolicMoeService>();
        services.AddSingleton<RouterRetrieverService>();
        services.AddSingleton<GliderRouterService>();
        services.AddSingleton<RoutingMemoryService>();
        services.AddSingleton<IRoutedAnswerRecorder>(sp => sp.GetRequiredService<RoutingMemoryService>());
        services.AddSingleton<IMoeRouter>(sp => sp.GetRequiredService<SymbolicMoeService>());
        services.AddSingleton<IMoeRouter>(sp => sp.GetRequiredService<RouterRetrieverService>());
        services.AddSingleton<IMoeRouter>(sp => sp.GetRequiredService<GliderRouterService>());
        services.AddSingleton<IMoeRouter>(sp => sp.GetRequiredService<RoutingMemoryService>());
        services.AddSingleton<RouterCatalog>();
        services.AddSingleton<ChatCompletionHandler>();
        services.AddSingleton<EmbeddingsHandler>();
        services.AddHostedService<ExpertRouterStartup>(); // first: migrations before anything reads the database
        services.AddHostedService(sp => sp.GetRequiredService<ProfilingService>());
        services.AddBatchJobs();

        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddProblemDetails();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new() { Title = "ExpertRouter", Version = "v1", Description = "Model-level mixture of experts with an OpenAI-compatible API. Point any OpenAI client at {this server}/v1." });
            var xml = Path.Combine(AppContext.BaseDirectory, "ExpertRouter.Api.xml");
            if (File.Exists(xml))
            {
                o.IncludeXmlComments(xml);
            }
        });

        builder.WebHost.ConfigureKestrel((context, k) =>
        {
            var bodyLimit = context.Configuration.GetValue<long?>("ExpertRouter:MaxRequestBodyBytes") ?? new ExpertRouterOptions().MaxRequestBodyBytes;
            k.Limits.MaxRequestBodySize = Math.Max(bodyLimit, 1024);
        });
        return builder;
    }
}
