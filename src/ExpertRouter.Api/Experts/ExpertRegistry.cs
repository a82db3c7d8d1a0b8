using System.Text.RegularExpressions;
using ExpertRouter.Api.Configuration;
using ExpertRouter.Core.Experts;
using ExpertRouter.LlamaCpp.Gguf;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Experts;

/// <summary>
/// The expert registry: validation of definitions (ids, kinds, model paths confined to the
/// configured model directories, GGUF validity, sampling ranges) on top of <see cref="IExpertStore"/>,
/// with a short-lived in-memory cache for the request path. Thread-safe.
/// </summary>
public sealed partial class ExpertRegistry(IExpertStore store, IOptions<ExpertRouterOptions> options, TimeProvider time)
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(2);
    private readonly Lock _cacheGate = new();
    private (DateTimeOffset At, Dictionary<string, ExpertDefinition> ById)? _cache;

    public IReadOnlyList<string> ModelDirectories { get; } = options.Value.ResolvedModelDirectories;

    public async Task<IReadOnlyList<ExpertDefinition>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await SnapshotAsync(cancellationToken).ConfigureAwait(false)).Values.OrderBy(e => e.Id, StringComparer.Ordinal)];

    public async Task<ExpertDefinition?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        (await SnapshotAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(id);

    public async Task<ExpertDefinition> GetRequiredAsync(string id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw ExpertNotFoundException.For(id);

    /// <summary>Validates and adds; throws <see cref="ExpertValidationException"/> (400/409/422).</summary>
    public async Task<ExpertDefinition> RegisterAsync(ExpertDefinition draft, CancellationToken cancellationToken = default)
    {
        var expert = Normalize(draft);
        if (!await store.TryAddAsync(expert, cancellationToken).ConfigureAwait(false))
        {
            throw new ExpertValidationException($"An expert with id '{expert.Id}' already exists.", "id", StatusCodes.Status409Conflict);
        }

        Invalidate();
        return await store.GetAsync(expert.Id, cancellationToken).ConfigureAwait(false) ?? expert;
    }

    /// <summary>Validates and replaces an existing expert.</summary>
    public async Task<ExpertDefinition> UpdateAsync(string id, ExpertDefinition draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var existing = await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw ExpertNotFoundException.For(id);
        var expert = Normalize(draft with { Id = id, Source = existing.Source });
        if (!await store.UpdateAsync(expert, cancellationToken).ConfigureAwait(false))
        {
            throw ExpertNotFoundException.For(id);
        }

        Invalidate();
        return await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? expert;
    }

    /// <summary>Inserts or replaces without the conflict check (configuration sync, demo seeding).</summary>
    public async Task<ExpertDefinition> UpsertAsync(ExpertDefinition draft, CancellationToken cancellationToken = default)
    {
        var expert = Normalize(draft);
        await store.UpsertAsync(expert, cancellationToken).ConfigureAwait(false);
        Invalidate();
        return expert;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        var deleted = await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
        Invalidate();
        return deleted;
    }

    /// <summary>Reads the GGUF metadata of a local expert (validated by the managed reader).</summary>
    public static GgufModelInfo? ReadMetadata(ExpertDefinition expert)
    {
        ArgumentNullException.ThrowIfNull(expert);
        return expert.Kind == ExpertKind.Gguf && expert.Path is { } p ? GgufModelInfo.Read(p) : null;
    }

    /// <summary>
    /// Resolves a model path: relative paths against the first model directory; the result (and the
    /// target of a symbolic link) must lie inside one of the configured model directories.
    /// </summary>
    public string ResolveModelPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ExpertValidationException("'path' must be a file path.", "path");
        }

        var full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(ModelDirectories[0], path));
        if (!IsInsideModelDirectories(full))
        {
            throw new ExpertValidationException(
                $"'{path}' is outside the model directories ({string.Join(", ", ModelDirectories)}). Put the file there or add its folder to ExpertRouter:ModelDirectories.", "path");
        }

        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            if (target is null || !IsInsideModelDirectories(target))
            {
                throw new ExpertValidationException($"'{path}' is a link to a file outside the model directories.", "path");
            }
        }

        return full;
    }

    private bool IsInsideModelDirectories(string full) =>
        ModelDirectories.Any(d => full.StartsWith(d.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    private ExpertDefinition Normalize(ExpertDefinition e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrEmpty(e.Id) || !IdPattern().IsMatch(e.Id))
        {
            throw new ExpertValidationException("'id' must be 1-128 characters of letters, digits, '.', '_', '-' or ':'.", "id");
        }

        Check(e.ContextSize is null or (>= 16 and <= 1 << 20), "contextSize", "must be 16..1048576");
        Check(e.GpuLayers is null or >= -1, "gpuLayers", "must be -1 (all), 0 or a layer count");
        Check(e.MaxSequences is null or (>= 1 and <= 256), "maxSequences", "must be 1..256");
        Check(e.Description is null || e.Description.Length <= 4000, "description", "must be at most 4000 characters");
        Check(e.DisplayName is null || e.DisplayName.Length <= 200, "displayName", "must be at most 200 characters");
        Check(e.Tags.Count <= 32 && e.Tags.All(t => !string.IsNullOrWhiteSpace(t) && t.Length <= 64), "tags", "at most 32 non-empty tags of at most 64 characters");
        var s = e.Sampling ?? new ExpertSampling();
        Check(s.Temperature is null or (>= 0 and <= 2), "sampling.temperature", "must be 0..2");
        Check(s.TopP is null or (> 0 and <= 1), "sampling.topP", "must be in (0, 1]");
        Check(s.TopK is null or (>= 0 and <= 100_000), "sampling.topK", "must be 0..100000");
        Check(s.MinP is null or (>= 0 and < 1), "sampling.minP", "must be in [0, 1)");
        Check(s.RepetitionPenalty is null or (> 0 and <= 10), "sampling.repetitionPenalty", "must be in (0, 10]");
        Check(s.MaxTokens is null or (>= 1 and <= 1_000_000), "sampling.maxTokens", "must be 1..1000000");

        switch (e.Kind)
        {
            case ExpertKind.Gguf:
                Check(string.IsNullOrEmpty(e.BaseUrl), "baseUrl", "is only for kind 'openai'");
                if (string.IsNullOrWhiteSpace(e.Path))
                {
                    throw new ExpertValidationException("A 'gguf' expert needs 'path' (a GGUF file inside the model directories).", "path");
                }

                var full = ResolveModelPath(e.Path);
                try
                {
                    GgufModelInfo.Read(full);
                }
                catch (GgufFormatException g)
                {
                    var status = g.Problem is GgufProblem.NotFound or GgufProblem.IsDirectory ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;
                    throw new ExpertValidationException(g.Message, "path", status, g);
                }

                return e with { Path = full, BaseUrl = null, Model = null, ApiKeySetting = null, Sampling = s, Tags = [.. e.Tags] };
            case ExpertKind.OpenAi:
                Check(string.IsNullOrEmpty(e.Path), "path", "is only for kind 'gguf'");
                if (!Uri.TryCreate(e.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ExpertValidationException("An 'openai' expert needs 'baseUrl', an absolute http(s) URL such as http://host:8000/v1.", "baseUrl");
                }

                if (string.IsNullOrWhiteSpace(e.Model))
                {
                    throw new ExpertValidationException("An 'openai' expert needs 'model', the model name at the remote endpoint.", "model");
                }

                return e with { Path = null, Sampling = s, Tags = [.. e.Tags] };
            default:
                throw new ExpertValidationException("'kind' must be 'gguf' or 'openai'.", "kind");
        }
    }

    private static void Check(bool ok, string field, string rule)
    {
        if (!ok)
        {
            throw new ExpertValidationException($"'{field}' {rule}.", field);
        }
    }

    private async Task<Dictionary<string, ExpertDefinition>> SnapshotAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_cacheGate)
        {
            if (_cache is { } c && now - c.At < CacheLifetime)
            {
                return c.ById;
            }
        }

        var all = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var byId = all.ToDictionary(e => e.Id, StringComparer.Ordinal);
        lock (_cacheGate)
        {
            _cache = (now, byId);
        }

        return byId;
    }

    private void Invalidate()
    {
        lock (_cacheGate)
        {
            _cache = null;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex IdPattern();
}
