using System.Diagnostics;
using System.Text;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>
/// A Bus service run as its own process from its build output, the way scripts/run and a container start it,
/// with settings passed as environment variables. Its output goes to a log file named in failures.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private readonly StringBuilder _output = new();

    private ServiceProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The operating system's id of the service (the <c>dotnet</c> host runs the service in its own process).</summary>
    public int Id => _process.Id;

    public static ServiceProcess Start(string project, string assembly, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var directory = OutputDirectory(project, assembly);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(directory, assembly + ".dll"));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        var logDirectory = Path.Combine(AppContext.BaseDirectory, "service-logs");
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, $"{DateTime.UtcNow:HHmmss.fff}-{Path.GetFileName(project)}-{string.Join('-', arguments).Replace('/', '_').Replace(':', '_')}.log");
        var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}");
        var service = new ServiceProcess(Path.GetFileName(project), process, log, logPath);
        process.OutputDataReceived += (_, e) =>
        {
            Write(log, e.Data);
            if (e.Data is not null)
                lock (service._output)
                    service._output.AppendLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Runs a one-shot command (such as <c>migrate</c>) and fails with its log when it does not exit 0.</summary>
    public static async Task RunToCompletionAsync(string project, string assembly, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        await using var process = Start(project, assembly, environment, arguments);
        await process.ReadOutputAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>Polls the service's <c>/health/ready</c> until it answers 200; fails early, with the log, if the process exits.</summary>
    public async Task WaitUntilReadyAsync(int port, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var limit = timeout ?? TimeSpan.FromSeconds(90);
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited)
                throw new InvalidOperationException($"{Name} exited during start-up; log: {LogPath}");
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/health/ready")).IsSuccessStatusCode)
                    return;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} was not ready within {limit.TotalSeconds} s; log: {LogPath}");
    }

    /// <summary>Waits for the process to exit 0 and returns what it wrote to standard output.</summary>
    public async Task<string> ReadOutputAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        if (_process.ExitCode != 0)
            throw new InvalidOperationException($"{Name} exited {_process.ExitCode}; log: {LogPath}");
        lock (_output)
            return _output.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_log)
            _log.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
            return;
        lock (log)
        {
            if (log.BaseStream.CanWrite)
                log.WriteLine(line);
        }
    }

    /// <summary>The checked-out repository: the folder of Bus.sln above this test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Bus.sln")))
            root = root.Parent;
        return root?.FullName ?? throw new InvalidOperationException("Bus.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>services/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;, matching how this test assembly was built.</summary>
    private static string OutputDirectory(string project, string assembly)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;

        var directory = Path.Combine(RepositoryRoot, project, "bin", configuration, framework);
        if (!File.Exists(Path.Combine(directory, assembly + ".dll")))
            throw new FileNotFoundException($"{assembly}.dll is not built in {directory}");
        return directory;
    }
}
