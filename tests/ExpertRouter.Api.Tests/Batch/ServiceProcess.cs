using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ExpertRouter.Api.Tests.Batch;

/// <summary>
/// ExpertRouter as a separate operating-system process (<c>dotnet ExpertRouter.Api.dll</c> from the test's
/// output folder, where the project reference puts it), so a test can kill it with SIGKILL mid-job.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServiceProcess(Process process, string baseUrl)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
    }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    /// <summary>The last part of the service's console output (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.Length > 8000 ? _log.ToString(_log.Length - 8000, 8000) : _log.ToString();
            }
        }
    }

    /// <summary>Starts the service on a free port with <paramref name="dataDirectory"/> and settings, and waits until it answers.</summary>
    public static async Task<ServiceProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ExpertRouter.Api.dll");
        Assert.True(File.Exists(dll), "ExpertRouter.Api.dll is not next to the test assembly: " + dll);
        var port = FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(dll);
        var args = new Dictionary<string, string>
        {
            ["--urls"] = $"http://127.0.0.1:{port}",
            ["--ExpertRouter:DataDirectory"] = dataDirectory,
            ["--Logging:LogLevel:Default"] = "Warning",
            ["--Logging:LogLevel:ExpertRouter.Api.Jobs"] = "Information",
            ["--Logging:LogLevel:ExpertRouter.Api.Batch"] = "Information",
        };
        foreach (var (key, value) in settings)
        {
            args["--" + key] = value;
        }

        foreach (var (key, value) in args)
        {
            start.ArgumentList.Add(key);
            start.ArgumentList.Add(value);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the service process");
        var service = new ServiceProcess(process, $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Assert.False(process.HasExited, "the service process exited: " + service.Log);
            try
            {
                using var ready = await service.Http.GetAsync("/health");
                if (ready.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "the service process did not start: " + service.Log);
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs (Process.Kill sends SIGKILL on Linux).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>True when a worker id (machine:pid:guid) belongs to this process.</summary>
    public bool Owns(string? worker) => worker is not null && worker.Contains(string.Create(CultureInfo.InvariantCulture, $":{Pid}:"), StringComparison.Ordinal);
}
