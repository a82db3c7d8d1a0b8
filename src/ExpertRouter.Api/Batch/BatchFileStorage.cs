using ExpertRouter.Api.Configuration;
using Microsoft.Extensions.Options;

namespace ExpertRouter.Api.Batch;

/// <summary>
/// Where file contents live: <c>{DataDirectory}/files/{id}</c> (metadata is in the database). Several
/// service instances sharing one PostgreSQL database must share this folder too (a network volume),
/// since any worker may execute a batch whose input another instance received.
/// </summary>
public sealed class BatchFileStorage(IOptions<ExpertRouterOptions> options)
{
    public string Directory { get; } = Path.Combine(options.Value.ResolvedDataDirectory, "files");

    /// <summary>The path of a file's content; ids are generated (letters, digits, '-' and '_'), anything else is refused.</summary>
    public string PathOf(string id)
    {
        if (!IsValidId(id))
        {
            throw new ArgumentException($"'{id}' is not a valid file id.", nameof(id));
        }

        return Path.Combine(Directory, id);
    }

    public static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= 128 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>A fresh temporary path in the files folder (created if needed), to be moved into place once complete.</summary>
    public string NewTemporaryPath()
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Path.Combine(Directory, ".tmp-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>Writes lines atomically to a file's path (temporary file, then rename); returns the byte count.</summary>
    public async Task<long> WriteLinesAsync(string id, IEnumerable<string> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var temp = NewTemporaryPath();
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
                await using (writer.ConfigureAwait(false))
                {
                    foreach (var line in lines)
                    {
                        await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            var bytes = new FileInfo(temp).Length;
            File.Move(temp, PathOf(id), overwrite: true);
            return bytes;
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
