using System.Text;
using System.Text.Json;
using ExpertRouter.Api.OpenAi;

namespace ExpertRouter.Api.Batch;

/// <summary>
/// Reads a batch input file (JSONL): every non-blank line must be
/// <c>{"custom_id": "...", "method": "POST", "url": "&lt;the batch endpoint&gt;", "body": {...}}</c>.
/// Lines that are not are reported with their 1-based line number and left out; the others are kept
/// (their bodies are validated later, exactly as the online endpoint validates them).
/// </summary>
internal static class BatchInputParser
{
    public const int MaxCustomIdLength = 512;

    public static async Task<BatchInput> ParseAsync(string path, string endpoint, int maxLines, CancellationToken cancellationToken)
    {
        var lines = new List<BatchInputLine>();
        var problems = new List<BatchInputProblem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        var total = 0;
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            total++;
            if (total > maxLines)
            {
                return new BatchInput(lines, problems, total, TooManyLines: true);
            }

            var (line, problem) = ParseLine(number, text, endpoint, seen);
            if (line is not null)
            {
                lines.Add(line);
            }
            else
            {
                problems.Add(problem!);
            }
        }

        return new BatchInput(lines, problems, total, TooManyLines: false);
    }

    private static (BatchInputLine? Line, BatchInputProblem? Problem) ParseLine(int number, string text, string endpoint, HashSet<string> seen)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return (null, new BatchInputProblem(number, null, "invalid_json", $"Line {number}: not valid JSON: {ErrorMapper.JsonMessage(e)}"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, new BatchInputProblem(number, null, "invalid_request", $"Line {number}: each line must be a JSON object with custom_id, method, url and body."));
            }

            string? customId = root.TryGetProperty("custom_id", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (string.IsNullOrEmpty(customId))
            {
                return (null, new BatchInputProblem(number, null, "missing_custom_id", $"Line {number}: 'custom_id' must be a non-empty string."));
            }

            if (customId.Length > MaxCustomIdLength)
            {
                return (null, new BatchInputProblem(number, null, "invalid_custom_id", $"Line {number}: 'custom_id' is longer than {MaxCustomIdLength} characters."));
            }

            if (!seen.Add(customId))
            {
                return (null, new BatchInputProblem(number, customId, "duplicate_custom_id", $"Line {number}: 'custom_id' '{customId}' was used by an earlier line; custom ids must be unique."));
            }

            var method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            if (!string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase))
            {
                return (null, new BatchInputProblem(number, customId, "invalid_method", $"Line {number}: 'method' must be \"POST\"."));
            }

            var url = root.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            if (!string.Equals(url, endpoint, StringComparison.Ordinal))
            {
                return (null, new BatchInputProblem(number, customId, "invalid_url", $"Line {number}: 'url' must be the batch's endpoint \"{endpoint}\" (got \"{url}\")."));
            }

            if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
            {
                return (null, new BatchInputProblem(number, customId, "missing_body", $"Line {number}: 'body' must be the JSON object of the request."));
            }

            if (body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
            {
                return (null, new BatchInputProblem(number, customId, "invalid_request", $"Line {number}: 'stream' cannot be true in a batch."));
            }

            return (new BatchInputLine(number, customId, body.Clone()), null);
        }
    }
}

/// <summary>A well-formed request line: its 1-based line number, custom id and request body.</summary>
internal sealed record BatchInputLine(int Number, string CustomId, JsonElement Body);

/// <summary>A line that is not a request, with why.</summary>
internal sealed record BatchInputProblem(int Number, string? CustomId, string Code, string Message);

/// <summary>The parsed input: good lines, problems, the count of non-blank lines.</summary>
internal sealed record BatchInput(IReadOnlyList<BatchInputLine> Lines, IReadOnlyList<BatchInputProblem> Problems, int Total, bool TooManyLines);
