using System.Text.Json;
using ExpertRouter.Api.Experts;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Experts;
using ExpertRouter.LlamaCpp;
using ExpertRouter.LlamaCpp.Gguf;
using ExpertRouter.LlamaCpp.Hosting;
using ExpertRouter.LlamaCpp.Native;
using Microsoft.AspNetCore.Http.Features;

namespace ExpertRouter.Api.OpenAi;

/// <summary>The one place where exceptions become HTTP statuses and error bodies.</summary>
public static class ErrorMapper
{
    public static string TypeFor(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        409 => "conflict_error",
        413 => "invalid_request_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>Maps an exception; <paramref name="isServerFault"/> is true for unexpected errors (to be logged).</summary>
    public static OpenAiException Map(Exception e, out bool isServerFault)
    {
        isServerFault = false;
        switch (e)
        {
            case OpenAiException o:
                return o;
            case JsonException j:
                return new OpenAiException(400, $"The request body is not valid JSON for this endpoint: {JsonMessage(j)}", JsonParam(j), "invalid_json");
            case BadHttpRequestException b when b.StatusCode == 413:
                return new OpenAiException(413, "The request body is too large.", null, "request_too_large");
            case BadHttpRequestException b:
                return new OpenAiException(b.StatusCode, b.Message, null, "bad_request");
            case ExpertNotFoundException n:
                return new OpenAiException(404, n.Message, "model", "model_not_found");
            case ExpertValidationException v:
                return new OpenAiException(v.Status, v.Message, v.Field, v.Status == 409 ? "conflict" : v.Status == 422 ? "invalid_model_file" : "invalid_value");
            case PromptTooLongException p:
                return new OpenAiException(400, p.Message, "messages", "context_length_exceeded");
            case EngineBusyException q:
                return new OpenAiException(429, q.Message, null, "queue_full");
            case ModelBudgetExceededException m:
                return new OpenAiException(503, m.Message, null, "insufficient_memory");
            case GgufFormatException g:
                return new OpenAiException(422, $"The expert's model file is not usable: {g.Message}", "model", "invalid_model_file");
            case ModelLoadException l:
                return new OpenAiException(503, l.Message, "model", "model_load_failed");
            case LocalEngineUnavailableException u:
                return new OpenAiException(503, u.Message, null, "engine_unavailable");
            case NativeLibraryException n:
                return new OpenAiException(503, n.Message, null, "engine_unavailable");
            case ExpertUnavailableException r when r.TimedOut:
                return new OpenAiException(504, r.Message, "model", "expert_timeout");
            case ExpertUnavailableException r when r.UpstreamStatus is 400 or 413 or 422:
                return new OpenAiException(r.UpstreamStatus.Value, r.Message, null, "upstream_rejected");
            case ExpertUnavailableException r when r.UpstreamStatus is 429:
                return new OpenAiException(429, r.Message, null, "upstream_rate_limited");
            case ExpertUnavailableException r:
                return new OpenAiException(r.UpstreamStatus is >= 400 and < 500 ? 502 : 503, r.Message, "model", "expert_unavailable");
            case Core.Profiling.ProfilingException pe:
                return new OpenAiException(400, pe.Message, null, "invalid_profiling_request");
            case Core.Moe.FeedbackNotFoundException fn:
                return new OpenAiException(404, fn.Message, "responseId", "unknown_response");
            case Core.VectorStore.VectorStoreException vs when vs.Kind == Core.VectorStore.VectorStoreErrorKind.Unavailable:
                return new OpenAiException(503, vs.Message, null, "vector_store_unavailable");
            case Core.VectorStore.VectorStoreException vs:
                return new OpenAiException(400, vs.Message, null, "vector_store_error");
            case Core.Moe.MoeUnavailableException mu:
                return new OpenAiException(409, mu.Message, "model", "no_profile");
            case ArgumentException a:
                return new OpenAiException(400, a.Message, a.ParamName, "invalid_value");
            case GenerationFailedException f:
                isServerFault = true;
                return new OpenAiException(500, f.Message, null, "generation_failed");
            default:
                isServerFault = true;
                return new OpenAiException(500, "Internal error: " + e.Message, null, "internal_error");
        }
    }

    public static OpenAiErrorDto Envelope(OpenAiException e) => new()
    {
        Error = new OpenAiErrorBody { Message = e.Message, Type = e.Type, Param = e.Param, Code = e.Code },
    };

    /// <summary>A JSON error's message without System.Text.Json's own "Path: ..." suffix, with the path when there is one.</summary>
    internal static string JsonMessage(JsonException j)
    {
        var message = j.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message) + (j.Path is { Length: > 0 } p ? $" (at {p})" : "");
    }

    private static string? JsonParam(JsonException j) => j.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;

    /// <summary>Sets the request body limit for endpoints that read JSON bodies.</summary>
    public static void LimitBody(HttpContext context, long bytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = bytes;
        }

        if (context.Request.ContentLength > bytes)
        {
            throw new OpenAiException(413, $"The request body is {context.Request.ContentLength} bytes; the limit is {bytes}.", null, "request_too_large");
        }
    }
}
