using ExpertRouter.Api.Batch.Contracts;
using ExpertRouter.Api.OpenAi;
using ExpertRouter.Api.OpenAi.Contracts;
using ExpertRouter.Core.Batches;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ExpertRouter.Api.Batch;

/// <summary>OpenAI's <c>/v1/files</c>: multipart upload (streamed to disk, size-limited), list, retrieve, content, delete.</summary>
public static class FileEndpoints
{
    /// <summary>Room for the multipart framing and the purpose field on top of the file itself.</summary>
    public const long MultipartOverheadBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapFileApi(this IEndpointRouteBuilder app)
    {
        var files = app.MapGroup("/v1/files").WithTags("OpenAI-compatible: files");

        files.MapPost("/", UploadAsync)
            .WithSummary("Upload a file (multipart/form-data: 'file' and 'purpose'; purpose 'batch' for batch input)")
            .WithDescription("Files are stored under {DataDirectory}/files; the size limit is ExpertRouter:Batch:MaxFileBytes (413 above it). Any purpose is stored as given.")
            .DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<FileObjectDto>()
            .Produces<OpenAiErrorDto>(StatusCodes.Status400BadRequest)
            .Produces<OpenAiErrorDto>(StatusCodes.Status413PayloadTooLarge);

        files.MapGet("/", async (IBatchStore store, string? purpose, int? limit, string? after, string? order, CancellationToken ct) =>
        {
            var take = Math.Clamp(limit ?? 10_000, 1, 10_000);
            var ascending = order switch
            {
                null or "desc" => false,
                "asc" => true,
                _ => throw OpenAiException.Invalid("'order' must be 'asc' or 'desc'.", "order"),
            };
            var page = await store.ListFilesAsync(purpose, after, take + 1, ascending, ct);
            return TypedResults.Json(ListPageDto.Create(page, take, ToDto, f => f.Id), OpenAiJson.Options);
        })
        .WithSummary("List files (newest first; ?purpose=batch, ?limit, ?after, ?order=asc|desc)")
        .Produces<ListPageDto<FileObjectDto>>();

        files.MapGet("/{id}", async (string id, IBatchStore store, CancellationToken ct) =>
            TypedResults.Json(ToDto(await RequireAsync(store, id, ct)), OpenAiJson.Options))
            .WithSummary("Retrieve a file's metadata")
            .Produces<FileObjectDto>()
            .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound);

        files.MapGet("/{id}/content", async Task<PhysicalFileHttpResult> (string id, IBatchStore store, BatchFileStorage storage, CancellationToken ct) =>
        {
            var file = await RequireAsync(store, id, ct);
            var path = storage.PathOf(file.Id);
            if (!File.Exists(path))
            {
                throw new OpenAiException(404, $"The content of file '{id}' is missing from the data directory.", "file_id", "file_content_missing");
            }

            return TypedResults.PhysicalFile(path, "application/octet-stream");
        })
        .WithSummary("Download a file's content (batch output and error files are JSONL)")
        .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
        .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound);

        files.MapDelete("/{id}", async (string id, IBatchStore store, BatchFileStorage storage, CancellationToken ct) =>
        {
            var file = await RequireAsync(store, id, ct);
            await store.DeleteFileAsync(file.Id, ct);
            File.Delete(storage.PathOf(file.Id));
            return TypedResults.Json(new FileDeletedDto { Id = file.Id, Deleted = true }, OpenAiJson.Options);
        })
        .WithSummary("Delete a file")
        .Produces<FileDeletedDto>()
        .Produces<OpenAiErrorDto>(StatusCodes.Status404NotFound);
        return app;
    }

    public static FileObjectDto ToDto(StoredFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new FileObjectDto
        {
            Id = file.Id,
            Bytes = file.Bytes,
            CreatedAt = file.CreatedAt.ToUnixTimeSeconds(),
            Filename = file.Filename,
            Purpose = file.Purpose,
        };
    }

    private static async Task<StoredFile> RequireAsync(IBatchStore store, string id, CancellationToken ct) =>
        (BatchFileStorage.IsValidId(id) ? await store.GetFileAsync(id, ct).ConfigureAwait(false) : null)
        ?? throw new OpenAiException(404, $"No such File object: {id}", "file_id", "file_not_found");

    private static async Task<JsonHttpResult<FileObjectDto>> UploadAsync(HttpContext context, IBatchStore store, BatchFileStorage storage, IOptions<BatchOptions> options, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var max = options.Value.MaxFileBytes;
        if (context.Request.ContentLength > max + MultipartOverheadBytes)
        {
            throw TooLarge(max);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + MultipartOverheadBytes;
        }

        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            || !string.Equals(type.MediaType.Value, "multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw OpenAiException.Invalid("Send multipart/form-data with a 'file' part and a 'purpose' field.", null, "invalid_content_type");
        }

        string? purpose = null;
        string? filename = null;
        string? temp = null;
        long bytes = 0;
        try
        {
            var reader = new MultipartReader(boundary, context.Request.Body);
            while (await reader.ReadNextSectionAsync(ct).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "purpose")
                {
                    using var text = new StreamReader(section.Body);
                    purpose = (await text.ReadToEndAsync(ct).ConfigureAwait(false)).Trim();
                }
                else if (name == "file" && temp is null)
                {
                    var given = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    filename = Path.GetFileName(string.IsNullOrWhiteSpace(given) ? "upload" : given);
                    temp = storage.NewTemporaryPath();
                    bytes = await CopyLimitedAsync(section.Body, temp, max, ct).ConfigureAwait(false);
                }
                else
                {
                    await section.Body.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
                }
            }

            if (temp is null)
            {
                throw OpenAiException.Invalid("The 'file' part is missing.", "file", "missing_required_parameter");
            }

            if (string.IsNullOrEmpty(purpose))
            {
                throw OpenAiException.Invalid("'purpose' is required (use 'batch' for batch input).", "purpose", "missing_required_parameter");
            }

            if (purpose.Length > 64 || !purpose.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
            {
                throw OpenAiException.Invalid($"'purpose' '{purpose}' is not a valid purpose (lower-case letters, digits, '_' and '-').", "purpose");
            }

            var file = new StoredFile("file-" + Guid.NewGuid().ToString("N"), purpose, filename![..Math.Min(filename!.Length, 255)], bytes, time.GetUtcNow());
            File.Move(temp, storage.PathOf(file.Id));
            temp = null;
            await store.AddFileAsync(file, ct).ConfigureAwait(false);
            return TypedResults.Json(ToDto(file), OpenAiJson.Options);
        }
        catch (InvalidDataException e)
        {
            throw OpenAiException.Invalid("The multipart body is malformed: " + e.Message, null, "invalid_multipart");
        }
        finally
        {
            if (temp is not null)
            {
                File.Delete(temp);
            }
        }
    }

    private static async Task<long> CopyLimitedAsync(Stream source, string path, long max, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, buffer.Length, useAsync: true);
        await using (target.ConfigureAwait(false))
        {
            int read;
            while ((read = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > max)
                {
                    throw TooLarge(max);
                }

                await target.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
            }
        }

        return total;
    }

    private static OpenAiException TooLarge(long max) =>
        new(413, $"The file is larger than the limit of {max} bytes (ExpertRouter:Batch:MaxFileBytes).", "file", "file_too_large");
}
