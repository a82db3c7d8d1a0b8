using System.Text.Json;
using ExpertRouter.Api.Configuration;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Experts;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.OpenAi;

/// <summary><c>POST /v1/embeddings</c>: string or array input, float or base64 encoding.</summary>
public sealed class EmbeddingsHandler(IExpertClientProvider experts, IOptions<ExpertRouterOptions> options)
{
    public const int MaxInputs = 2048;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.RequestAborted;
        ErrorMapper.LimitBody(context, options.Value.MaxRequestBodyBytes);
        var request = OpenAiOperations.ParseEmbeddings(
            await JsonSerializer.DeserializeAsync<EmbeddingRequest>(context.Request.Body, OpenAiJson.Options, ct).ConfigureAwait(false));
        using var lease = await experts.AcquireAsync(request.Model, null, ct).ConfigureAwait(false);
        var response = await OpenAiOperations.EmbedAsync(lease, request, ct).ConfigureAwait(false);
        context.Response.Headers[ChatCompletionHandler.ExpertHeader] = lease.Expert.Id;
        await Results.Json(response, OpenAiJson.Options).ExecuteAsync(context).ConfigureAwait(false);
    }
}
