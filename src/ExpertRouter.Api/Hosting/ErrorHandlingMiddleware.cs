using ExpertRouter.Api.OpenAi;

namespace ExpertRouter.Api.Hosting;

/// <summary>
/// Turns every failure into a clear response: OpenAI's error envelope under <c>/v1</c> (OpenAI SDKs
/// parse it), ProblemDetails elsewhere. Also gives bodies to bare 404/405/413 statuses. A failing
/// request never takes the process down.
/// </summary>
public sealed partial class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await next(context).ConfigureAwait(false);
            if (context.Response.StatusCode >= 400 && !context.Response.HasStarted && context.Response.ContentLength is null && context.Response.ContentType is null)
            {
                var status = context.Response.StatusCode;
                var message = status switch
                {
                    404 => $"No endpoint at {context.Request.Method} {context.Request.Path}.",
                    405 => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
                    413 => "The request body is too large.",
                    415 => "Unsupported media type: send application/json.",
                    _ => $"HTTP {status}.",
                };
                await WriteAsync(context, new OpenAiException(status, message, null, status == 404 ? "unknown_url" : null)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
#pragma warning disable CA1031 // the one place that turns any failure into an HTTP answer
        catch (Exception e)
#pragma warning restore CA1031
        {
            var mapped = ErrorMapper.Map(e, out var fault);
            if (fault)
            {
                LogUnexpected(logger, context.Request.Method, context.Request.Path, e);
            }

            if (context.Response.HasStarted)
            {
                LogAfterStart(logger, context.Request.Path, mapped.Message);
                context.Abort();
                return;
            }

            await WriteAsync(context, mapped).ConfigureAwait(false);
        }
    }

    private static Task WriteAsync(HttpContext context, OpenAiException error)
    {
        context.Response.Clear();
        context.Response.StatusCode = error.Status;
        if (error.Status == 429)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        if (context.Request.Path.StartsWithSegments("/v1"))
        {
            return Results.Json(ErrorMapper.Envelope(error), OpenAiJson.Options, statusCode: error.Status).ExecuteAsync(context);
        }

        var extensions = new Dictionary<string, object?> { ["code"] = error.Code };
        if (error.Param is not null)
        {
            extensions["field"] = error.Param;
        }

        return Results.Problem(detail: error.Message, statusCode: error.Status, title: Title(error.Status), extensions: extensions).ExecuteAsync(context);
    }

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        422 => "Unprocessable entity",
        429 => "Too many requests",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => "Error",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected error on {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Error after the response started on {Path}: {Message}")]
    private static partial void LogAfterStart(ILogger logger, string path, string message);
}
