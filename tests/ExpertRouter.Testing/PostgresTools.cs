using System.Globalization;

namespace ExpertRouter.Testing;

/// <summary>
/// The machine's PostgreSQL server binaries (<c>initdb</c>, <c>pg_ctl</c>, <c>postgres</c> from one
/// installation) and how to run them: directly, or through <c>runuser -u postgres</c> when this
/// process is root (initdb and postgres refuse to run as root).
/// </summary>
internal sealed class PostgresTools
{
    public const string ServiceUser = "postgres";

    private static readonly string[] Required = ["initdb", "pg_ctl", "postgres"];

    private PostgresTools(string binDirectory, string? runUser)
    {
        BinDirectory = binDirectory;
        RunUser = runUser;
    }

    public string BinDirectory { get; }

    /// <summary>The <c>runuser</c> binary when the tools must run as <see cref="ServiceUser"/>; null to run them directly.</summary>
    public string? RunUser { get; }

    public bool RunsAsServiceUser => RunUser is not null;

    /// <summary>The tools, or null and why not.</summary>
    public static PostgresTools? Find(out string? reason)
    {
        var bin = FindBinDirectory();
        if (bin is null)
        {
            reason = "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin " +
                     "(Debian/Ubuntu: apt-get install postgresql), and " + PostgresTestServer.ExternalServerVariable + " is not set.";
            return null;
        }

        if (!IsRoot())
        {
            reason = null;
            return new PostgresTools(bin, runUser: null);
        }

        var runUser = FindExecutable("runuser", ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        if (runUser is null)
        {
            reason = $"Running as root, PostgreSQL must run as another user, but 'runuser' (util-linux) was not found (binaries: {bin}).";
            return null;
        }

        if (!UserExists(ServiceUser))
        {
            reason = $"Running as root, PostgreSQL must run as the '{ServiceUser}' user, which does not exist (binaries: {bin}).";
            return null;
        }

        reason = null;
        return new PostgresTools(bin, runUser);
    }

    /// <summary>Runs a PostgreSQL tool (as <see cref="ServiceUser"/> when needed).</summary>
    public Task<ProcessResult> RunAsync(string tool, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var executable = Path.Combine(BinDirectory, tool);
        return RunUser is null
            ? ProcessRunner.RunAsync(executable, arguments, workingDirectory, timeout, cancellationToken)
            : ProcessRunner.RunAsync(RunUser, ["-u", ServiceUser, "--", executable, .. arguments], workingDirectory, timeout, cancellationToken);
    }

    /// <summary>Hands <paramref name="directory"/> (recursively) to <see cref="ServiceUser"/> when the tools run as that user.</summary>
    public async Task GiveToServiceUserAsync(string directory, CancellationToken cancellationToken = default)
    {
        if (RunUser is null)
        {
            return;
        }

        var chown = FindExecutable("chown", ["/usr/bin", "/bin"]) ?? "chown";
        var result = await ProcessRunner.RunAsync(
            chown, ["-R", $"{ServiceUser}:{ServiceUser}", directory], null, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not give {directory} to the '{ServiceUser}' user. {result.Describe()}");
        }
    }

    private static string? FindBinDirectory()
    {
        // PATH first: resolve links (e.g. /usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl)
        // so all three tools come from the same installation.
        foreach (var directory in PathDirectories())
        {
            var pgCtl = Path.Combine(directory, "pg_ctl");
            if (!File.Exists(pgCtl))
            {
                continue;
            }

            var real = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
            foreach (var candidate in new[] { Path.GetDirectoryName(real), directory })
            {
                if (candidate is not null && HasAll(candidate))
                {
                    return candidate;
                }
            }
        }

        // Debian/Ubuntu (/usr/lib/postgresql/15/bin) and PGDG RPM (/usr/pgsql-15/bin) layouts, newest first.
        var installs = new List<(int Version, string Bin)>();
        AddInstalls(installs, "/usr/lib/postgresql", "*", "bin");
        AddInstalls(installs, "/usr", "pgsql-*", "bin");
        return installs.OrderByDescending(i => i.Version).Select(i => i.Bin).FirstOrDefault(HasAll);
    }

    private static void AddInstalls(List<(int Version, string Bin)> installs, string parent, string pattern, string bin)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(parent, pattern))
        {
            var name = Path.GetFileName(directory);
            var digits = new string(name.SkipWhile(c => !char.IsAsciiDigit(c)).TakeWhile(char.IsAsciiDigit).ToArray());
            var version = int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
            installs.Add((version, Path.Combine(directory, bin)));
        }
    }

    private static bool HasAll(string directory) => Required.All(tool => File.Exists(Path.Combine(directory, tool)));

    private static string[] PathDirectories() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? FindExecutable(string name, IEnumerable<string> fallbacks) =>
        PathDirectories().Concat(fallbacks).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static bool IsRoot() => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    private static bool UserExists(string user)
    {
        try
        {
            return File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
