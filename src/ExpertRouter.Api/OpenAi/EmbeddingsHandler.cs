using System.Runtime.InteropServices;
using System.Text.Json;
using ExpertRouter.Api.Configuration;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Experts;
using Microsoft.Extensions.AI;
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
        var body = await JsonSerializer.DeserializeAsync<EmbeddingRequest>(context.Request.Body, OpenAiJson.Options, ct).ConfigureAwait(false)
            ?? throw OpenAiException.Invalid("The request body must be a JSON object.", null, "invalid_json");
        if (string.IsNullOrWhiteSpace(body.Model))
        {
            throw OpenAiException.Invalid("'model' is required.", "model", "missing_required_parameter");
        }

        var inputs = ParseInput(body.Input);
        var base64 = body.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw OpenAiException.Invalid($"'encoding_format' must be 'float' or 'base64' (got '{body.EncodingFormat}').", "encoding_format"),
        };
        if (body.Dimensions is < 1)
        {
            throw OpenAiException.Invalid("'dimensions' must be positive.", "dimensions");
        }

        using var lease = await experts.AcquireAsync(body.Model, null, ct).ConfigureAwait(false);
        var generator = lease.Embeddings ?? throw new OpenAiException(400, $"Model '{body.Model}' does not produce embeddings.", "model", "unsupported_model");
        var result = await generator.GenerateAsync(inputs, new EmbeddingGenerationOptions { Dimensions = body.Dimensions }, ct).ConfigureAwait(false);
        var data = result.Select((e, i) => new EmbeddingDto
        {
            Index = i,
            Embedding = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(e.Vector.Span)) : e.Vector.ToArray(),
        }).ToList();
        var tokens = result.Usage?.InputTokenCount ?? 0;
        context.Response.Headers[ChatCompletionHandler.ExpertHeader] = lease.Expert.Id;
        await Results.Json(new EmbeddingResponse
        {
            Data = data,
            Model = body.Model,
            Usage = new EmbeddingUsageDto { PromptTokens = tokens, TotalTokens = tokens },
        }, OpenAiJson.Options).ExecuteAsync(context).ConfigureAwait(false);
    }

    private static List<string> ParseInput(JsonElement? input)
    {
        if (input is not { } i || i.ValueKind == JsonValueKind.Null)
        {
            throw OpenAiException.Invalid("'input' is required: a string or an array of strings.", "input", "missing_required_parameter");
        }

        List<string> list = i.ValueKind switch
        {
            JsonValueKind.String => [i.GetString()!],
            JsonValueKind.Array when i.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. i.EnumerateArray().Select(e => e.GetString()!)],
            JsonValueKind.Array => throw OpenAiException.Invalid("'input' arrays must hold strings (token-id input is not supported).", "input", "invalid_type"),
            _ => throw OpenAiException.Invalid("'input' must be a string or an array of strings.", "input", "invalid_type"),
        };
        if (list.Count == 0)
        {
            throw OpenAiException.Invalid("'input' must not be an empty array.", "input", "empty_array");
        }

        if (list.Count > MaxInputs)
        {
            throw OpenAiException.Invalid($"'input' has {list.Count} items; at most {MaxInputs} are accepted.", "input");
        }

        if (list.Any(string.IsNullOrEmpty))
        {
            throw OpenAiException.Invalid("'input' must not contain empty strings.", "input");
        }

        return list;
    }
}
