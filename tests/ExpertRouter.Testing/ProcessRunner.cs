using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ExpertRouter.Testing;

/// <summary>What a finished child process printed.</summary>
internal sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"`{CommandLine}` exited with code {ExitCode}.");
        if (StandardError.Trim() is { Length: > 0 } stderr)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n--- stderr ---\n{stderr}");
        }

        if (StandardOutput.Trim() is { Length: > 0 } stdout)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n--- stdout ---\n{stdout}");
        }

        return text.ToString();
    }
}

/// <summary>Runs a program to completion with a time limit, capturing both output streams.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName, IReadOnlyList<string> arguments, string? workingDirectory, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Plain C locale: no locale warnings from PostgreSQL tools, messages in English.
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANG"] = "C";
        var commandLine = string.Join(' ', [fileName, .. arguments]);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Could not start `{commandLine}`: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            var partialError = await stderr.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"`{commandLine}` did not finish within {timeout.TotalSeconds:F0} s and was killed. stderr:\n{partialError}");
        }

        return new ProcessResult(commandLine, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
