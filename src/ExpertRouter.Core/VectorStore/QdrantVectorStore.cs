using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ExpertRouter.Core.VectorStore;

/// <summary>
/// <see cref="IVectorStore"/> over Qdrant's REST API: cosine collections of one unnamed vector, string ids mapped to
/// deterministic UUID point ids (<see cref="PointIdFor"/>) with the original id kept in the payload under
/// <see cref="VectorPoint.ReservedPayloadKey"/>, filters as <c>must</c> lists of keyword matches, exact search.
/// Connection failures and timeouts surface as <see cref="VectorStoreErrorKind.Unavailable"/>.
/// </summary>
public sealed partial class QdrantVectorStore : IVectorStore, IDisposable
{
    private const int ScrollPageSize = 256;
    private const int DeleteBatchSize = 1_000;
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly QdrantOptions _options;
    private readonly Uri _base;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, int> _dimensions = new(StringComparer.Ordinal);

    /// <summary>Creates the store; nothing is sent until the first call.</summary>
    /// <param name="options">Endpoint, key, timeout, prefix.</param>
    /// <param name="httpClient">A client to use (not disposed by the store); null creates one. Requests use absolute URIs and their own timeout.</param>
    /// <param name="logger">Receives collection creation messages.</param>
    public QdrantVectorStore(QdrantOptions options, HttpClient? httpClient = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Url);
        if (!options.Url.IsAbsoluteUri || (options.Url.Scheme != Uri.UriSchemeHttp && options.Url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The Qdrant URL must be an absolute http(s) URL, not '{options.Url}'.", nameof(options));
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("The Qdrant timeout must be positive.", nameof(options));
        }

        if (options.BatchSize <= 0)
        {
            throw new ArgumentException("The Qdrant batch size must be positive.", nameof(options));
        }

        if (!string.IsNullOrEmpty(options.CollectionPrefix))
        {
            try
            {
                VectorValidation.CollectionName(options.CollectionPrefix);
            }
            catch (VectorStoreException e)
            {
                throw new ArgumentException($"Invalid Qdrant collection prefix: {e.Message}", nameof(options), e);
            }
        }

        _options = options;
        var url = options.Url.ToString();
        _base = new Uri(url.EndsWith('/') ? url : url + "/");
        _logger = logger ?? NullLogger.Instance;
        if (httpClient is null)
        {
            _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.Timeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
            {
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }
    }

    /// <summary>
    /// The Qdrant point id for a caller id: a UUID (version 8, RFC 9562) made of the first 16 bytes of SHA-256 over
    /// "expertrouter:" + the UTF-8 id, so the same id always maps to the same point.
    /// </summary>
    public static string PointIdFor(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes("expertrouter:" + id), hash);
        var uuid = hash[..16];
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x80);
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80);
        return new Guid(uuid, bigEndian: true).ToString("D");
    }

    /// <inheritdoc />
    public string Describe() =>
        string.IsNullOrEmpty(_options.CollectionPrefix) ? $"qdrant {_options.Url}" : $"qdrant {_options.Url} (prefix '{_options.CollectionPrefix}')";

    /// <inheritdoc />
    public async Task EnsureCollectionAsync(string collection, int dimensions, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        VectorValidation.Dimensions(dimensions);
        var info = await GetInfoAsync(collection, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            try
            {
                await SendAsync(HttpMethod.Put, CollectionPath(collection), w =>
                {
                    w.WriteStartObject();
                    w.WriteStartObject("vectors");
                    w.WriteNumber("size", dimensions);
                    w.WriteString("distance", "Cosine");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }, collection, cancellationToken).ConfigureAwait(false);
                _dimensions[collection] = dimensions;
                LogCreated(_logger, _options.CollectionPrefix, collection, dimensions);
                return;
            }
            catch (VectorStoreException e) when (e.Kind == VectorStoreErrorKind.InvalidInput)
            {
                // Created meanwhile by another caller ("already exists"): check it below.
                info = await GetInfoAsync(collection, cancellationToken).ConfigureAwait(false);
                if (info is null)
                {
                    throw;
                }
            }
        }

        var existing = DimensionsFromInfo(collection, info.Value);
        if (existing != dimensions)
        {
            throw VectorValidation.WrongDimension(collection, existing, dimensions);
        }

        _dimensions[collection] = dimensions;
    }

    /// <inheritdoc />
    public async Task<VectorCollectionInfo?> GetCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        var info = await GetInfoAsync(collection, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            _dimensions.TryRemove(collection, out _);
            return null;
        }

        var dimensions = DimensionsFromInfo(collection, info.Value);
        _dimensions[collection] = dimensions;
        var count = await CountAsync(collection, null, cancellationToken).ConfigureAwait(false);
        return new VectorCollectionInfo(collection, dimensions, count);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        _dimensions.TryRemove(collection, out _);
        var result = await SendAsync(HttpMethod.Delete, CollectionPath(collection), null, collection, cancellationToken, allowNotFound: true).ConfigureAwait(false);
        return result is { ValueKind: JsonValueKind.True };
    }

    /// <inheritdoc />
    public async Task UpsertAsync(string collection, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        var dimensions = await DimensionsAsync(collection, cancellationToken).ConfigureAwait(false);
        var valid = VectorValidation.Points(points, dimensions);
        for (var start = 0; start < valid.Count; start += _options.BatchSize)
        {
            var end = Math.Min(valid.Count, start + _options.BatchSize);
            await WithCacheReset(collection, SendAsync(HttpMethod.Put, CollectionPath(collection) + "/points?wait=true", w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("points");
                for (var i = start; i < end; i++)
                {
                    var p = valid[i];
                    w.WriteStartObject();
                    w.WriteString("id", PointIdFor(p.Id));
                    w.WriteStartArray("vector");
                    foreach (var x in p.Vector)
                    {
                        w.WriteNumberValue(x);
                    }

                    w.WriteEndArray();
                    w.WriteStartObject("payload");
                    if (p.Payload is not null)
                    {
                        foreach (var (key, value) in p.Payload)
                        {
                            w.WriteString(key, value);
                        }
                    }

                    w.WriteString(VectorPoint.ReservedPayloadKey, p.Id);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }, collection, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string collection, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        VectorValidation.Ids(ids);
        if (ids.Count == 0)
        {
            // Still report an unknown collection, as the embedded store does.
            await DimensionsAsync(collection, cancellationToken).ConfigureAwait(false);
            return;
        }

        for (var start = 0; start < ids.Count; start += DeleteBatchSize)
        {
            var end = Math.Min(ids.Count, start + DeleteBatchSize);
            await WithCacheReset(collection, SendAsync(HttpMethod.Post, CollectionPath(collection) + "/points/delete?wait=true", w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("points");
                for (var i = start; i < end; i++)
                {
                    w.WriteStringValue(PointIdFor(ids[i]));
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }, collection, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task DeleteWhereAsync(string collection, VectorFilter filter, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        ArgumentNullException.ThrowIfNull(filter);
        await WithCacheReset(collection, SendAsync(HttpMethod.Post, CollectionPath(collection) + "/points/delete?wait=true", w =>
        {
            w.WriteStartObject();
            WriteFilter(w, filter);
            w.WriteEndObject();
        }, collection, cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<VectorSearchResult>> SearchAsync(string collection, ReadOnlyMemory<float> query, int limit, VectorFilter? filter = null, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        VectorValidation.Limit(limit);
        var dimensions = await DimensionsAsync(collection, cancellationToken).ConfigureAwait(false);
        VectorValidation.Vector(query.Span, dimensions, "The query vector");
        var result = await WithCacheReset(collection, SendAsync(HttpMethod.Post, CollectionPath(collection) + "/points/search", w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("vector");
            foreach (var x in query.Span)
            {
                w.WriteNumberValue(x);
            }

            w.WriteEndArray();
            w.WriteNumber("limit", limit);
            w.WriteBoolean("with_payload", true);
            w.WriteBoolean("with_vector", false);
            if (_options.ExactSearch)
            {
                w.WriteStartObject("params");
                w.WriteBoolean("exact", true);
                w.WriteEndObject();
            }

            WriteFilter(w, filter);
            w.WriteEndObject();
        }, collection, cancellationToken)).ConfigureAwait(false);

        var hits = new List<VectorSearchResult>();
        if (result is { ValueKind: JsonValueKind.Array } array)
        {
            foreach (var hit in array.EnumerateArray())
            {
                var (id, payload) = ReadIdAndPayload(hit);
                var score = hit.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetSingle() : 0f;
                hits.Add(new VectorSearchResult(id, Math.Clamp(score, -1f, 1f), payload));
            }
        }

        hits.Sort(static (a, b) =>
        {
            var c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        });
        return hits;
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(string collection, VectorFilter? filter = null, CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        var result = await WithCacheReset(collection, SendAsync(HttpMethod.Post, CollectionPath(collection) + "/points/count", w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("exact", true);
            WriteFilter(w, filter);
            w.WriteEndObject();
        }, collection, cancellationToken)).ConfigureAwait(false);
        return result is { } r && r.TryGetProperty("count", out var count) && count.TryGetInt64(out var n)
            ? n
            : throw Unexpected("count", result);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<VectorPoint> ScrollAsync(string collection, VectorFilter? filter = null, bool withVectors = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        VectorValidation.CollectionName(collection);
        string? offset = null; // raw JSON of next_page_offset
        do
        {
            var page = await WithCacheReset(collection, SendAsync(HttpMethod.Post, CollectionPath(collection) + "/points/scroll", w =>
            {
                w.WriteStartObject();
                w.WriteNumber("limit", ScrollPageSize);
                w.WriteBoolean("with_payload", true);
                w.WriteBoolean("with_vector", withVectors);
                if (offset is not null)
                {
                    w.WritePropertyName("offset");
                    w.WriteRawValue(offset);
                }

                WriteFilter(w, filter);
                w.WriteEndObject();
            }, collection, cancellationToken)).ConfigureAwait(false);

            if (page is not { ValueKind: JsonValueKind.Object } p || !p.TryGetProperty("points", out var points) || points.ValueKind != JsonValueKind.Array)
            {
                throw Unexpected("scroll", page);
            }

            foreach (var point in points.EnumerateArray())
            {
                var (id, payload) = ReadIdAndPayload(point);
                yield return new VectorPoint(id, withVectors ? ReadVector(point) : [], payload);
            }

            offset = p.TryGetProperty("next_page_offset", out var next) && next.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined
                ? next.GetRawText()
                : null;
        }
        while (offset is not null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private string QdrantName(string collection) => _options.CollectionPrefix + collection;

    private string CollectionPath(string collection) => "collections/" + Uri.EscapeDataString(QdrantName(collection));

    private async Task<JsonElement?> GetInfoAsync(string collection, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Get, CollectionPath(collection), null, collection, cancellationToken, allowNotFound: true).ConfigureAwait(false);

    private async Task<int> DimensionsAsync(string collection, CancellationToken cancellationToken)
    {
        if (_dimensions.TryGetValue(collection, out var known))
        {
            return known;
        }

        var info = await GetInfoAsync(collection, cancellationToken).ConfigureAwait(false) ?? throw VectorValidation.Unknown(collection);
        var dimensions = DimensionsFromInfo(collection, info);
        _dimensions[collection] = dimensions;
        return dimensions;
    }

    /// <summary>Forgets the cached dimension when Qdrant says the collection is gone or refuses a vector (recreated elsewhere).</summary>
    private async Task<JsonElement?> WithCacheReset(string collection, Task<JsonElement?> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (VectorStoreException e) when (e.Kind is VectorStoreErrorKind.UnknownCollection or VectorStoreErrorKind.InvalidInput)
        {
            _dimensions.TryRemove(collection, out _);
            throw;
        }
    }

    private int DimensionsFromInfo(string collection, JsonElement info)
    {
        if (info.TryGetProperty("config", out var config) && config.TryGetProperty("params", out var parameters)
            && parameters.TryGetProperty("vectors", out var vectors) && vectors.ValueKind == JsonValueKind.Object)
        {
            if (vectors.TryGetProperty("size", out var size) && size.TryGetInt32(out var dimensions))
            {
                var distance = vectors.TryGetProperty("distance", out var d) ? d.GetString() : null;
                return string.Equals(distance, "Cosine", StringComparison.OrdinalIgnoreCase)
                    ? dimensions
                    : throw new VectorStoreException(VectorStoreErrorKind.Incompatible,
                        $"Qdrant collection '{QdrantName(collection)}' uses {distance ?? "an unknown"} distance, not Cosine; delete it or use another collection prefix.");
            }

            throw new VectorStoreException(VectorStoreErrorKind.Incompatible,
                $"Qdrant collection '{QdrantName(collection)}' uses named vectors; this store needs one unnamed vector per point.");
        }

        throw Unexpected("collection info", info);
    }

    private static (string Id, IReadOnlyDictionary<string, string> Payload) ReadIdAndPayload(JsonElement point)
    {
        string? id = null;
        Dictionary<string, string>? payload = null;
        if (point.TryGetProperty("payload", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in p.EnumerateObject())
            {
                var value = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()! : field.Value.GetRawText();
                if (field.NameEquals(VectorPoint.ReservedPayloadKey))
                {
                    id = value;
                }
                else
                {
                    (payload ??= new Dictionary<string, string>(StringComparer.Ordinal))[field.Name] = value;
                }
            }
        }

        if (id is null && point.TryGetProperty("id", out var raw))
        {
            // A point written by someone else: use Qdrant's own id.
            id = raw.ValueKind == JsonValueKind.String ? raw.GetString() : raw.GetRawText();
        }

        return (id ?? "", payload is null ? VectorPoint.EmptyPayload : new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(payload));
    }

    private static float[] ReadVector(JsonElement point)
    {
        if (!point.TryGetProperty("vector", out var v) || v.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var vector = new float[v.GetArrayLength()];
        var i = 0;
        foreach (var x in v.EnumerateArray())
        {
            vector[i++] = x.GetSingle();
        }

        return vector;
    }

    private static void WriteFilter(Utf8JsonWriter w, VectorFilter? filter)
    {
        if (filter is null)
        {
            return;
        }

        w.WriteStartObject("filter");
        if (!filter.IsEmpty)
        {
            w.WriteStartArray("must");
            foreach (var c in filter.Conditions)
            {
                w.WriteStartObject();
                w.WriteString("key", c.Key);
                w.WriteStartObject("match");
                if (c.Values.Count == 1)
                {
                    w.WriteString("value", c.Values[0]);
                }
                else
                {
                    w.WriteStartArray("any");
                    foreach (var v in c.Values)
                    {
                        w.WriteStringValue(v);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private VectorStoreException Unexpected(string what, JsonElement? result) =>
        new(VectorStoreErrorKind.Failed, $"Qdrant at {_options.Url} gave an unexpected {what} answer: {Trim(result?.GetRawText() ?? "null")}");

    /// <summary>Sends one request; returns the <c>result</c> of Qdrant's answer (null for 404 when <paramref name="allowNotFound"/>).</summary>
    private async Task<JsonElement?> SendAsync(HttpMethod method, string path, Action<Utf8JsonWriter>? body, string collection, CancellationToken cancellationToken, bool allowNotFound = false)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        using var request = new HttpRequestMessage(method, new Uri(_base, path));
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            request.Headers.TryAddWithoutValidation("api-key", _options.ApiKey);
        }

        if (body is not null)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                body(writer);
            }

            request.Content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
            request.Content.Headers.ContentType = JsonMediaType;
        }

        byte[] bytes;
        HttpStatusCode status;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            status = response.StatusCode;
            bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VectorStoreException(VectorStoreErrorKind.Unavailable,
                $"Qdrant at {_options.Url} did not answer {method} {path} within {_options.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s.", e);
        }
        catch (HttpRequestException e)
        {
            throw new VectorStoreException(VectorStoreErrorKind.Unavailable, $"Qdrant at {_options.Url} is unreachable: {e.Message}", e);
        }

        if ((int)status is >= 200 and < 300)
        {
            try
            {
                using var document = JsonDocument.Parse(bytes);
                return document.RootElement.TryGetProperty("result", out var result) ? result.Clone() : null;
            }
            catch (JsonException e)
            {
                throw new VectorStoreException(VectorStoreErrorKind.Failed, $"Qdrant at {_options.Url} answered {method} {path} with invalid JSON: {e.Message}", e);
            }
        }

        if (status == HttpStatusCode.NotFound && allowNotFound)
        {
            return null;
        }

        var detail = ErrorDetail(bytes);
        throw (int)status switch
        {
            404 => new VectorStoreException(VectorStoreErrorKind.UnknownCollection,
                $"Vector collection '{collection}' does not exist in Qdrant (as '{QdrantName(collection)}'): {detail}"),
            401 or 403 => new VectorStoreException(VectorStoreErrorKind.Failed,
                $"Qdrant at {_options.Url} refused the request (HTTP {(int)status}); check the API key: {detail}"),
            400 or 409 or 422 => new VectorStoreException(VectorStoreErrorKind.InvalidInput,
                $"Qdrant rejected {method} {path} (HTTP {(int)status}): {detail}"),
            408 or 429 or >= 500 => new VectorStoreException(VectorStoreErrorKind.Unavailable,
                $"Qdrant at {_options.Url} answered HTTP {(int)status} to {method} {path}: {detail}"),
            _ => new VectorStoreException(VectorStoreErrorKind.Failed,
                $"Qdrant at {_options.Url} answered HTTP {(int)status} to {method} {path}: {detail}"),
        };
    }

    private static string ErrorDetail(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var status))
            {
                if (status.ValueKind == JsonValueKind.Object && status.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                {
                    return Trim(error.GetString()!);
                }

                if (status.ValueKind == JsonValueKind.String)
                {
                    return Trim(status.GetString()!);
                }
            }

            return Trim(root.GetRawText());
        }
        catch (JsonException)
        {
            return bytes.Length == 0 ? "(empty answer)" : Trim(Encoding.UTF8.GetString(bytes));
        }
    }

    private static string Trim(string text) => text.Length > 500 ? text[..500] + "..." : text;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Qdrant collection '{Prefix}{Collection}' ({Dimensions} dimensions, cosine)")]
    private static partial void LogCreated(ILogger logger, string prefix, string collection, int dimensions);
}
