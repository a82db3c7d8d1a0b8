using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace ExpertRouter.Testing;

/// <summary>
/// A real, throwaway PostgreSQL server for tests, started from the machine's binaries: <c>initdb</c>
/// into a fresh directory under /tmp (trust auth, superuser <c>postgres</c>, UTF8, C locale), then
/// <c>pg_ctl start -w</c> on a free loopback port with durability off (fsync, synchronous_commit) for
/// speed. As root the tools run through <c>runuser -u postgres</c>. Dispose stops it
/// (<c>pg_ctl stop -m immediate</c>) and deletes the directory; servers left behind by a killed test
/// run are cleaned up by the next start.
/// </summary>
/// <remarks>
/// Set <c>EXPERTROUTER_TEST_POSTGRES</c> to a superuser connection string to use an existing server
/// instead (databases created here are dropped on dispose). Set <c>EXPERTROUTER_REQUIRE_POSTGRES=1</c>
/// to make missing binaries an error rather than a skip (CI that must run these tests).
/// </remarks>
public sealed partial class PostgresTestServer : IAsyncDisposable
{
    public const string ExternalServerVariable = "EXPERTROUTER_TEST_POSTGRES";
    public const string RequireVariable = "EXPERTROUTER_REQUIRE_POSTGRES";

    /// <summary>The database <see cref="ConnectionString"/> points at, created at start.</summary>
    public const string DefaultDatabase = "expertrouter_test";

    private const string DirectoryPrefix = "expertrouter-pg-";
    private const string OwnerFile = "owner.pid";

    private readonly PostgresTools? _tools;
    private readonly string? _root;
    private readonly NpgsqlDataSource _admin;
    private readonly List<string> _createdDatabases = [];
    private readonly Lock _gate = new();
    private int _disposed;

    private PostgresTestServer(PostgresTools? tools, string? root, string adminConnectionString)
    {
        _tools = tools;
        _root = root;
        AdminConnectionString = adminConnectionString;
        _admin = NpgsqlDataSource.Create(adminConnectionString);
        ConnectionString = string.Empty;
        if (tools is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        }
    }

    /// <summary>A superuser connection string for <see cref="DefaultDatabase"/> (shared: isolate with <see cref="CreateSchemaAsync"/> or <see cref="CreateDatabaseAsync"/>).</summary>
    public string ConnectionString { get; private set; }

    /// <summary>A superuser connection string for the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString { get; }

    public string ServerVersion { get; private set; } = string.Empty;

    /// <summary>How long starting took (initdb + start + first database), for the record.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>True when this instance started the server process (false for an external server).</summary>
    public bool IsLocal => _tools is not null;

    public override string ToString()
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString);
        var where = string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {ServerVersion} at {builder.Host}:{builder.Port}");
        return IsLocal
            ? string.Create(CultureInfo.InvariantCulture, $"{where} (started in {StartupTime.TotalSeconds:F1} s, {_root})")
            : $"{where} (external)";
    }

    /// <summary>
    /// Starts a server, or returns null and the reason when this machine cannot run one (no binaries, or
    /// root without a <c>postgres</c> user) so tests can skip with that reason. Failures of a server that
    /// should start (initdb or pg_ctl errors) throw, with the tools' stderr and the server log.
    /// </summary>
    public static async Task<(PostgresTestServer? Server, string? SkipReason)> TryStartAsync(CancellationToken cancellationToken = default)
    {
        if (Environment.GetEnvironmentVariable(ExternalServerVariable) is { Length: > 0 } external)
        {
            return (await StartExternalAsync(external, cancellationToken).ConfigureAwait(false), null);
        }

        var tools = PostgresTools.Find(out var reason);
        if (tools is null)
        {
            if (Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true" or "True")
            {
                throw new InvalidOperationException($"{RequireVariable} is set, but no PostgreSQL server can be started here: {reason}");
            }

            return (null, reason);
        }

        return (await StartLocalAsync(tools, cancellationToken).ConfigureAwait(false), null);
    }

    /// <summary>Like <see cref="TryStartAsync"/> but throws when no server can be had.</summary>
    public static async Task<PostgresTestServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var (server, reason) = await TryStartAsync(cancellationToken).ConfigureAwait(false);
        return server ?? throw new InvalidOperationException(reason);
    }

    /// <summary>
    /// Creates an empty database (a random name when <paramref name="name"/> is null; otherwise lower-case
    /// letters, digits and underscores) and returns a connection string for it. For test isolation.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        name ??= "t_" + Guid.NewGuid().ToString("N");
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain database name (lower-case letters, digits, underscores; at most 63).", nameof(name));
        }

        var command = _admin.CreateCommand($"CREATE DATABASE \"{name}\"");
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _createdDatabases.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Creates an empty schema in <see cref="DefaultDatabase"/> and returns a connection string whose
    /// search path is that schema: isolation that costs a millisecond instead of a CREATE DATABASE
    /// (a few hundred ms on a busy machine). Unqualified names resolve there, so code under test does
    /// not notice. Advisory locks stay database-wide.
    /// </summary>
    public async Task<string> CreateSchemaAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        name ??= "s_" + Guid.NewGuid().ToString("N");
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain schema name (lower-case letters, digits, underscores; at most 63).", nameof(name));
        }

        var connection = new NpgsqlConnection(ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand($"CREATE SCHEMA \"{name}\"", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;

        // Idle pooled connections would otherwise see the server vanish under them.
        NpgsqlConnection.ClearAllPools();
        if (_tools is null)
        {
            await DropCreatedDatabasesAsync().ConfigureAwait(false);
        }

        await _admin.DisposeAsync().ConfigureAwait(false);
        if (_tools is not null && _root is not null)
        {
            await StopAsync(_tools, _root, CancellationToken.None).ConfigureAwait(false);
            DeleteDirectory(_root);
        }
    }

    private static async Task<PostgresTestServer> StartLocalAsync(PostgresTools tools, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var tempRoot = tools.RunsAsServiceUser ? "/tmp" : Path.GetTempPath();
        await CleanUpAbandonedAsync(tools, tempRoot).ConfigureAwait(false);

        // Short name: the Unix socket path (<root>/.s.PGSQL.<port>) must stay under ~107 bytes.
        var root = Path.Combine(tempRoot, DirectoryPrefix + Guid.NewGuid().ToString("N")[..16]);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
        }
        else
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await File.WriteAllTextAsync(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var data = Path.Combine(root, "data");
        var started = false;
        try
        {
            await tools.GiveToServiceUserAsync(root, cancellationToken).ConfigureAwait(false);
            var initdb = await tools.RunAsync(
                "initdb",
                ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                root,
                TimeSpan.FromMinutes(2),
                cancellationToken).ConfigureAwait(false);
            if (!initdb.Succeeded)
            {
                throw new InvalidOperationException($"initdb failed for a test PostgreSQL in {data}. {initdb.Describe()}");
            }

            var port = await StartServerAsync(tools, root, data, cancellationToken).ConfigureAwait(false);
            started = true;
            var admin = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Database = "postgres",
                IncludeErrorDetail = true,
                Timeout = 30,
            }.ConnectionString;
            var server = new PostgresTestServer(tools, root, admin);
            try
            {
                await server.InitializeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            server.StartupTime = stopwatch.Elapsed;
            return server;
        }
        catch
        {
            if (started || File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                await StopAsync(tools, root, CancellationToken.None).ConfigureAwait(false);
            }

            DeleteDirectory(root);
            throw;
        }
    }

    private static async Task<int> StartServerAsync(PostgresTools tools, string root, string data, CancellationToken cancellationToken)
    {
        var log = Path.Combine(root, "postgres.log");
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var serverOptions = string.Join(
                ' ',
                $"-p {port.ToString(CultureInfo.InvariantCulture)}",
                "-c listen_addresses=127.0.0.1",
                $"-k {root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
                "-c shared_buffers=32MB");
            var result = await tools.RunAsync(
                "pg_ctl",
                ["start", "-w", "-t", "60", "-D", data, "-l", log, "-o", serverOptions],
                root,
                TimeSpan.FromSeconds(90),
                cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return port;
            }

            var serverLog = ReadTail(log);
            if (attempt < attempts && serverLog.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                continue; // someone took the port between our probe and the server's bind
            }

            throw new InvalidOperationException(
                $"pg_ctl could not start a test PostgreSQL on 127.0.0.1:{port} (attempt {attempt}). {result.Describe()}\n--- server log ({log}) ---\n{serverLog}");
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var version = _admin.CreateCommand("SHOW server_version");
        await using (version.ConfigureAwait(false))
        {
            ServerVersion = Convert.ToString(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "?";
        }

        ConnectionString = await CreateDatabaseAsync(IsLocal ? DefaultDatabase : $"{DefaultDatabase}_{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<PostgresTestServer> StartExternalAsync(string connectionString, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var server = new PostgresTestServer(tools: null, root: null, connectionString);
        try
        {
            await server.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        server.StartupTime = stopwatch.Elapsed;
        return server;
    }

    private async Task DropCreatedDatabasesAsync()
    {
        string[] names;
        lock (_gate)
        {
            names = [.. _createdDatabases];
        }

        foreach (var name in names)
        {
            try
            {
                var drop = _admin.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                await using (drop.ConfigureAwait(false))
                {
                    await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
            catch (NpgsqlException)
            {
                // Best effort on a shared server.
            }
        }
    }

    private static async Task StopAsync(PostgresTools tools, string root, CancellationToken cancellationToken)
    {
        var data = Path.Combine(root, "data");
        if (!File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            return;
        }

        try
        {
            await tools.RunAsync("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w", "-t", "30"], root, TimeSpan.FromSeconds(45), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The directory is deleted next; an orphan is cleaned up by a later start.
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Safety net when the runner exits without disposing fixtures: never leave a server running.
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _tools is not null && _root is not null)
        {
            StopAsync(_tools, _root, CancellationToken.None).GetAwaiter().GetResult();
            DeleteDirectory(_root);
        }
    }

    /// <summary>Stops and deletes servers whose owning test process is gone (a killed run).</summary>
    private static async Task CleanUpAbandonedAsync(PostgresTools tools, string tempRoot)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(tempRoot, DirectoryPrefix + "*").ToArray();
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        foreach (var directory in candidates)
        {
            var ownerFile = Path.Combine(directory, OwnerFile);
            if (File.Exists(ownerFile))
            {
                if (int.TryParse(File.ReadAllText(ownerFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var owner) && IsRunning(owner))
                {
                    continue;
                }
            }
            else if (DateTime.UtcNow - Directory.GetCreationTimeUtc(directory) < TimeSpan.FromMinutes(5))
            {
                continue; // maybe another run being set up right now
            }

            await StopAsync(tools, directory, CancellationToken.None).ConfigureAwait(false);
            DeleteDirectory(directory);
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string ReadTail(string path, int maxChars = 8000)
    {
        try
        {
            var text = File.ReadAllText(path);
            return text.Length <= maxChars ? text : "..." + text[^maxChars..];
        }
        catch (IOException ex)
        {
            return $"(no log: {ex.Message})";
        }
        catch (UnauthorizedAccessException ex)
        {
            return $"(no log: {ex.Message})";
        }
    }

    private static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
