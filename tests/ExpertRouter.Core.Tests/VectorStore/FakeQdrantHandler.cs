using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExpertRouter.Core.Tests.VectorStore;

/// <summary>
/// An in-memory stand-in for the part of Qdrant's REST API that <c>QdrantVectorStore</c> uses (collections,
/// upsert, delete by ids or filter, search, count, scroll), answering with Qdrant's envelopes and status codes.
/// It checks what real Qdrant checks (UUID/integer point ids, vector sizes, the API key) and orders equal scores
/// and scroll pages by point id, as Qdrant does, not by the caller's id. <see cref="Down"/> makes it unreachable.
/// </summary>
public sealed class FakeQdrantHandler(string? apiKey = null) : HttpMessageHandler
{
    private readonly Dictionary<string, FakeCollection> _collections = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>While true, every request fails as a refused connection would.</summary>
    public bool Down { get; set; }

    public int Requests { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Down)
        {
            throw new HttpRequestException("Connection refused (fake Qdrant is down)");
        }

        var body = request.Content is null ? null : JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken));
        lock (_gate)
        {
            Requests++;
            if (apiKey is not null && (!request.Headers.TryGetValues("api-key", out var keys) || keys.Single() != apiKey))
            {
                return Error(HttpStatusCode.Unauthorized, "Must provide an API key or an Authorization bearer token");
            }

            var segments = request.RequestUri!.AbsolutePath.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
            if (segments.Length < 2 || segments[0] != "collections")
            {
                return Error(HttpStatusCode.NotFound, "Not found");
            }

            var name = segments[1];
            var action = string.Join('/', segments.Skip(2));
            _collections.TryGetValue(name, out var collection);
            if (action.Length == 0)
            {
                return CollectionRequest(request.Method, name, collection, body);
            }

            if (collection is null)
            {
                return Error(HttpStatusCode.NotFound, $"Not found: Collection `{name}` doesn't exist!");
            }

            return (request.Method.Method, action) switch
            {
                ("PUT", "points") => Upsert(collection, body!),
                ("POST", "points/delete") => Delete(collection, body!),
                ("POST", "points/search") => Search(collection, body!),
                ("POST", "points/count") => Ok(new JsonObject { ["count"] = Matching(collection, body!["filter"]).Count }),
                ("POST", "points/scroll") => Scroll(collection, body!),
                _ => Error(HttpStatusCode.NotFound, $"No route {request.Method} {action}"),
            };
        }
    }

    private HttpResponseMessage CollectionRequest(HttpMethod method, string name, FakeCollection? collection, JsonNode? body)
    {
        if (method == HttpMethod.Get)
        {
            return collection is null
                ? Error(HttpStatusCode.NotFound, $"Not found: Collection `{name}` doesn't exist!")
                : Ok(new JsonObject
                {
                    ["status"] = "green",
                    ["points_count"] = collection.Points.Count,
                    ["config"] = new JsonObject
                    {
                        ["params"] = new JsonObject
                        {
                            ["vectors"] = new JsonObject { ["size"] = collection.Size, ["distance"] = collection.Distance },
                            ["shard_number"] = 1,
                        },
                    },
                });
        }

        if (method == HttpMethod.Put)
        {
            if (collection is not null)
            {
                return Error(HttpStatusCode.Conflict, $"Wrong input: Collection `{name}` already exists!");
            }

            var vectors = body!["vectors"]!;
            _collections[name] = new FakeCollection((int)vectors["size"]!, (string)vectors["distance"]!);
            return Ok(true);
        }

        if (method == HttpMethod.Delete)
        {
            return Ok(_collections.Remove(name));
        }

        return Error(HttpStatusCode.MethodNotAllowed, "Method not allowed");
    }

    private static HttpResponseMessage Upsert(FakeCollection collection, JsonNode body)
    {
        var staged = new List<(string Id, float[] Vector, JsonObject Payload)>();
        foreach (var p in body["points"]!.AsArray())
        {
            var id = PointId(p!["id"]!);
            if (id is null)
            {
                return Error(HttpStatusCode.BadRequest, "Format error in JSON body: value is not a valid point ID, valid values are either an unsigned integer or a UUID");
            }

            var vector = p["vector"]!.AsArray().Select(x => (float)x!).ToArray();
            if (vector.Length != collection.Size)
            {
                return Error(HttpStatusCode.BadRequest, $"Wrong input: Vector dimension error: expected dim: {collection.Size}, got {vector.Length}");
            }

            var norm = MathF.Sqrt(vector.Sum(x => x * x));
            staged.Add((id, vector.Select(x => x / norm).ToArray(), (JsonObject)(p["payload"]?.DeepClone() ?? new JsonObject())));
        }

        foreach (var (id, vector, payload) in staged)
        {
            collection.Points[id] = (vector, payload);
        }

        return Completed();
    }

    private static HttpResponseMessage Delete(FakeCollection collection, JsonNode body)
    {
        var ids = body["points"] is JsonArray points
            ? points.Select(p => PointId(p!)).OfType<string>().ToList()
            : Matching(collection, body["filter"]).Select(p => p.Key).ToList();
        foreach (var id in ids)
        {
            collection.Points.Remove(id);
        }

        return Completed();
    }

    private static HttpResponseMessage Search(FakeCollection collection, JsonNode body)
    {
        var query = body["vector"]!.AsArray().Select(x => (float)x!).ToArray();
        if (query.Length != collection.Size)
        {
            return Error(HttpStatusCode.BadRequest, $"Wrong input: Vector dimension error: expected dim: {collection.Size}, got {query.Length}");
        }

        var norm = MathF.Sqrt(query.Sum(x => x * x));
        var hits = Matching(collection, body["filter"])
            .Select(p => (p.Key, p.Value.Payload, Score: p.Value.Vector.Zip(query, (a, b) => a * b / norm).Sum()))
            .OrderByDescending(h => h.Score)
            .ThenBy(h => h.Key, StringComparer.Ordinal)
            .Take((int)body["limit"]!);
        var withPayload = (bool?)body["with_payload"] ?? false;
        var result = new JsonArray();
        foreach (var (id, payload, score) in hits)
        {
            result.Add(new JsonObject
            {
                ["id"] = id,
                ["version"] = 3,
                ["score"] = score,
                ["payload"] = withPayload ? payload.DeepClone() : null,
            });
        }

        return Ok(result);
    }

    private static HttpResponseMessage Scroll(FakeCollection collection, JsonNode body)
    {
        var limit = (int?)body["limit"] ?? 10;
        var offset = body["offset"] is { } o ? PointId(o) : null;
        var withVector = (bool?)body["with_vector"] ?? false;
        var ordered = Matching(collection, body["filter"])
            .Where(p => offset is null || string.CompareOrdinal(p.Key, offset) >= 0)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        var points = new JsonArray();
        foreach (var (id, (vector, payload)) in ordered.Take(limit))
        {
            var point = new JsonObject { ["id"] = id, ["payload"] = payload.DeepClone() };
            if (withVector)
            {
                point["vector"] = new JsonArray(vector.Select(x => (JsonNode)x).ToArray());
            }

            points.Add(point);
        }

        return Ok(new JsonObject
        {
            ["points"] = points,
            ["next_page_offset"] = ordered.Count > limit ? ordered[limit].Key : null,
        });
    }

    private static List<KeyValuePair<string, (float[] Vector, JsonObject Payload)>> Matching(FakeCollection collection, JsonNode? filter)
    {
        var must = filter?["must"]?.AsArray() ?? [];
        return collection.Points.Where(p => must.All(condition =>
        {
            var key = (string)condition!["key"]!;
            if (key.Contains('.', StringComparison.Ordinal))
            {
                throw new InvalidOperationException("A dotted key is a nested path in Qdrant.");
            }

            var actual = p.Value.Payload[key]?.GetValue<string>();
            var match = condition["match"]!;
            return actual is not null && (match["value"] is { } value
                ? (string)value! == actual
                : match["any"]!.AsArray().Any(v => (string)v! == actual));
        })).ToList();
    }

    private static string? PointId(JsonNode node) =>
        node.GetValueKind() == JsonValueKind.Number ? node.ToJsonString()
        : Guid.TryParse((string?)node, out var g) ? g.ToString("D") : null;

    private static HttpResponseMessage Completed() => Ok(new JsonObject { ["operation_id"] = 1, ["status"] = "completed" });

    private static HttpResponseMessage Ok(JsonNode? result) =>
        Json(HttpStatusCode.OK, new JsonObject { ["result"] = result, ["status"] = "ok", ["time"] = 0.001 });

    private static HttpResponseMessage Error(HttpStatusCode status, string message) =>
        Json(status, new JsonObject { ["status"] = new JsonObject { ["error"] = message }, ["time"] = 0.001 });

    private static HttpResponseMessage Json(HttpStatusCode status, JsonObject body) =>
        new(status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    private sealed class FakeCollection(int size, string distance)
    {
        public int Size { get; } = size;

        public string Distance { get; } = distance;

        public Dictionary<string, (float[] Vector, JsonObject Payload)> Points { get; } = new(StringComparer.Ordinal);
    }
}
