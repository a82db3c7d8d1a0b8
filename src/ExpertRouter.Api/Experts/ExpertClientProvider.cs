using System.Collections.Concurrent;
using ExpertRouter.Api.Configuration;
using ExpertRouter.Core.Experts;
using ExpertRouter.Core.Remote;
using ExpertRouter.LlamaCpp;
using ExpertRouter.LlamaCpp.Chat;
using ExpertRouter.LlamaCpp.Embeddings;
using ExpertRouter.LlamaCpp.Generation;
using ExpertRouter.LlamaCpp.Hosting;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Experts;

/// <summary>
/// Composition of the two expert kinds behind <see cref="IExpertClientProvider"/>: local GGUF experts
/// through the memory-budgeted <see cref="LlamaModelManager"/> (the lease keeps the model busy),
/// remote ones through cached OpenAI-compatible clients.
/// </summary>
public sealed class ExpertClientProvider(
    ExpertRegistry registry,
    LlamaModelManager models,
    NativeRuntimeState native,
    IOptions<ExpertRouterOptions> options,
    IOptions<RemoteExpertOptions> remoteOptions,
    IConfiguration configuration) : IExpertClientProvider
{
    private readonly ConcurrentDictionary<(string Id, DateTimeOffset Version), (OpenAiCompatibleChatClient Chat, OpenAiCompatibleEmbeddingGenerator Embeddings)> _remote = new();

    public async Task<ExpertLease> AcquireAsync(string expertId, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var expert = await registry.GetRequiredAsync(expertId, cancellationToken).ConfigureAwait(false);
        if (expert.Kind == ExpertKind.OpenAi)
        {
            var (chat, embeddings) = _remote.GetOrAdd((expert.Id, expert.UpdatedAt), _ =>
            {
                var apiKey = expert.ApiKeySetting is { Length: > 0 } k ? configuration[k] ?? Environment.GetEnvironmentVariable(k) : null;
                var uri = new Uri(expert.BaseUrl!);
                return (new OpenAiCompatibleChatClient(expert.Id, uri, expert.Model!, apiKey, remoteOptions.Value),
                        new OpenAiCompatibleEmbeddingGenerator(expert.Id, uri, expert.Model!, apiKey, remoteOptions.Value));
            });
            return new ExpertLease(expert, chat, embeddings, false, null);
        }

        native.ThrowIfUnavailable();
        var lease = await models.AcquireAsync(ToSpec(expert), progress, cancellationToken).ConfigureAwait(false);
        var defaults = Defaults(expert.Sampling);
        return new ExpertLease(expert, new LlamaChatClient(lease.Model, expert.Id, defaults), new LlamaEmbeddingGenerator(lease.Model, expert.Id), lease.LoadedForThisRequest, lease);
    }

    /// <summary>How a local expert is loaded.</summary>
    public ModelSpec ToSpec(ExpertDefinition expert)
    {
        ArgumentNullException.ThrowIfNull(expert);
        var o = options.Value;
        return new ModelSpec(expert.Id, expert.Path!, new LlamaModelOptions
        {
            ContextSize = expert.ContextSize ?? o.DefaultContextSize,
            MaxSequences = expert.MaxSequences ?? o.DefaultMaxSequences,
            MaxQueuedRequests = o.MaxQueuedRequests,
            FlashAttention = o.FlashAttention,
            GpuLayers = expert.GpuLayers ?? (LlamaRuntime.IsInitialized && LlamaRuntime.Info.HasGpu ? -1 : 0),
        }, expert.Pinned);
    }

    /// <summary>Engine defaults from an expert's sampling settings (temperature 0.8 when unset).</summary>
    public static SamplingOptions Defaults(ExpertSampling s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new SamplingOptions
        {
            Temperature = s.Temperature ?? 0.8f,
            TopP = s.TopP ?? 1f,
            TopK = s.TopK ?? 0,
            MinP = s.MinP ?? 0f,
            RepetitionPenalty = s.RepetitionPenalty ?? 1f,
        };
    }
}
