using ExpertRouter.Api.Configuration;
using ExpertRouter.Api.Experts;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Profiling;
using ExpertRouter.Core.Validation;
using ExpertRouter.LlamaCpp;
using ExpertRouter.Storage;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Hosting;

/// <summary>
/// Start-up, before the first request: database migrations, llama.cpp (fetched from npm on first
/// run), configuration experts synced into the registry, demo experts when there are none; then
/// pinned experts are loaded in the background and the listening URLs are logged.
/// </summary>
public sealed partial class ExpertRouterStartup(
    DatabaseMigrator migrator,
    ExpertRegistry registry,
    IProfilingStore profiling,
    IExpertClientProvider provider,
    NativeRuntimeState native,
    StartupState state,
    IOptions<ExpertRouterOptions> options,
    IOptions<LlamaEngineOptions> engineOptions,
    IHostApplicationLifetime lifetime,
    Microsoft.AspNetCore.Hosting.Server.IServer server,
    ILogger<ExpertRouterStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            native.SetReady(await LlamaRuntime.InitializeAsync(engineOptions.Value, logger, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            native.SetFailed(e.Message);
            LogNativeFailed(logger, e.Message);
        }

        var o = options.Value;
        foreach (var configured in o.Experts)
        {
            try
            {
                await registry.UpsertAsync(configured with { Source = ExpertSource.Config }, cancellationToken).ConfigureAwait(false);
            }
            catch (ExpertValidationException e)
            {
                LogConfigExpertInvalid(logger, configured.Id, e.Message);
            }
        }

        if (o.DemoExperts && (await registry.ListAsync(cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            var dir = Path.Combine(o.ResolvedDataDirectory, "models", "demo");
            foreach (var demo in await Task.Run(() => DemoExperts.Create(dir), cancellationToken).ConfigureAwait(false))
            {
                await registry.UpsertAsync(demo, cancellationToken).ConfigureAwait(false);
            }

            LogDemo(logger, dir);
        }

        await ImportValidationFilesAsync(Path.Combine(o.ResolvedDataDirectory, "validation"), cancellationToken).ConfigureAwait(false);
        state.MarkCompleted();
        lifetime.ApplicationStarted.Register(() =>
        {
            var urls = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var url in urls)
            {
                LogListening(logger, url);
            }

            _ = PreloadPinnedAsync(lifetime.ApplicationStopping);
        });
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Validation sets from files: every <c>*.jsonl</c> in the folder not imported yet (by name) is imported once.</summary>
    private async Task ImportValidationFilesAsync(string directory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        var existing = (await profiling.ListValidationSetsAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(directory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (existing.Contains(name))
            {
                continue;
            }

            var parsed = ValidationSetParser.ParseFile(file);
            foreach (var error in parsed.Errors.Take(20))
            {
                LogValidationLine(logger, file, error.Line, error.Message);
            }

            if (parsed.Items.Count > 0)
            {
                var info = await profiling.CreateValidationSetAsync(name, "imported from " + file, parsed.Items, cancellationToken).ConfigureAwait(false);
                LogValidationImported(logger, file, info.Id, parsed.Items.Count, parsed.Errors.Count);
            }
        }
    }

    private async Task PreloadPinnedAsync(CancellationToken cancellationToken)
    {
        foreach (var e in (await registry.ListAsync(cancellationToken).ConfigureAwait(false)).Where(e => e.Pinned && e.Kind == ExpertKind.Gguf))
        {
            try
            {
                using var lease = await provider.AcquireAsync(e.Id, null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPinnedFailed(logger, e.Id, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "llama.cpp could not be started; local experts will answer 503 until this is fixed: {Error}")]
    private static partial void LogNativeFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configured expert {Id} is invalid and was skipped: {Error}")]
    private static partial void LogConfigExpertInvalid(ILogger logger, string id, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "No experts configured: registered generated demo experts (demo-general, demo-math, demo-medicine) from {Directory}")]
    private static partial void LogDemo(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "ExpertRouter is listening on {Url} (Swagger UI at /swagger, OpenAI base URL {Url}/v1)")]
    private static partial void LogListening(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}, line {Line}: {Message} (line skipped)")]
    private static partial void LogValidationLine(ILogger logger, string file, int line, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported validation set {Id} from {File}: {Items} items, {Errors} bad lines skipped")]
    private static partial void LogValidationImported(ILogger logger, string file, string id, int items, int errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pinned expert {Id} could not be loaded: {Error}")]
    private static partial void LogPinnedFailed(ILogger logger, string id, string error);
}
