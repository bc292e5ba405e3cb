using System.Diagnostics;
using System.Net.Sockets;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.FaultTests.Infrastructure;

/// <summary>
/// A RabbitMQ node of the suite's own, started from the installed Debian binaries on free loopback ports with its data
/// under a temporary folder, so it can be stopped and started under load without touching the shared broker on 5672.
/// Its data directory survives <see cref="StopAsync"/>: durable queues and persistent messages come back with it.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string Binaries = "/usr/lib/rabbitmq/bin";
    public static readonly string ServerPath = Path.Combine(Binaries, "rabbitmq-server");
    public const string User = "guest";
    public const string Password = "guest";

    private readonly string _root;
    private readonly int _distributionPort;
    private readonly object _logLock = new();
    private Process? _server;

    private PrivateRabbitMq(string root)
    {
        _root = root;
        Port = FreePort.Next();
        _distributionPort = FreePort.Next();
        NodeName = $"bus-faults-{Environment.ProcessId}@localhost";
    }

    public int Port { get; }
    public string NodeName { get; }
    public int Restarts { get; private set; }

    public static async Task<PrivateRabbitMq> StartAsync(string root)
    {
        Directory.CreateDirectory(root);
        foreach (var folder in new[] { "home", "mnesia", "log" })
            Directory.CreateDirectory(Path.Combine(root, folder));
        // guest may connect over loopback only by default; the node listens on loopback only anyway.
        await File.WriteAllTextAsync(Path.Combine(root, "rabbitmq.conf"), "loopback_users.guest = false\n");
        await File.WriteAllTextAsync(Path.Combine(root, "enabled_plugins"), "[].\n");
        var rabbit = new PrivateRabbitMq(root);
        await rabbit.StartAsync();
        return rabbit;
    }

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(ServerPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in ServerEnvironment())
            start.Environment[key] = value;
        _server = Process.Start(start) ?? throw new InvalidOperationException("could not start rabbitmq-server");
        var log = Path.Combine(_root, "log", "server-output.log");
        _server.OutputDataReceived += (_, e) => AppendLog(log, e.Data);
        _server.ErrorDataReceived += (_, e) => AppendLog(log, e.Data);
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await AcceptsConnectionsAsync())
        {
            if (_server.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"the private RabbitMQ did not start; see {log} and {Path.Combine(_root, "log")}");
            await Task.Delay(200);
        }
        await CtlAsync("await_startup", "--timeout", "60");
    }

    /// <summary>A clean stop of the node (as <c>systemctl stop</c> does): clients see their connections closed.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
            return;
        await CtlAsync("stop");
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _server.WaitForExitAsync(wait.Token);
        _server.Dispose();
        _server = null;
    }

    public async Task RestartAsync(TimeSpan downtime)
    {
        await StopAsync();
        await Task.Delay(downtime);
        await StartAsync();
        Restarts++;
    }

    public async Task AddVirtualHostAsync(string virtualHost)
    {
        await CtlAsync("add_vhost", virtualHost);
        await CtlAsync("set_permissions", "-p", virtualHost, User, ".*", ".*", ".*");
    }

    public Task DeleteVirtualHostAsync(string virtualHost) => CtlAsync("delete_vhost", virtualHost);

    /// <summary>
    /// Closes every AMQP connection of <paramref name="virtualHost"/> whose client named itself with
    /// <paramref name="clientName"/> in it (MassTransit names a connection after the host's process), as a broken network would.
    /// Answers how many it closed.
    /// </summary>
    public async Task<int> CloseConnectionsAsync(string virtualHost, string clientName)
    {
        var listing = await CtlAsync("list_connections", "-q", "--no-table-headers", "pid", "vhost", "client_properties");
        var closed = 0;
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = line.Split('\t');
            if (columns.Length < 3 || columns[1] != virtualHost || !columns[2].Contains(clientName, StringComparison.Ordinal))
                continue;
            await CtlAsync("close_connection", columns[0], "fault injected by the test");
            closed++;
        }
        return closed;
    }

    public async Task<string> CtlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Binaries, "rabbitmqctl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(NodeName);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in ServerEnvironment())
            start.Environment[key] = value;
        using var ctl = Process.Start(start) ?? throw new InvalidOperationException("could not start rabbitmqctl");
        var output = ctl.StandardOutput.ReadToEndAsync();
        var error = ctl.StandardError.ReadToEndAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await ctl.WaitForExitAsync(wait.Token);
        if (ctl.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} exited {ctl.ExitCode}: {await error}");
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is null)
            return;
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            // A node that does not stop cleanly is killed: the suite must never leave one behind.
            if (_server is { HasExited: false })
                _server.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// Everything that makes this node private: its name, ports, folders and Erlang cookie (HOME), given to the server
    /// and to every rabbitmqctl call alike.
    /// </summary>
    private Dictionary<string, string> ServerEnvironment() => new()
    {
        ["HOME"] = Path.Combine(_root, "home"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = Port.ToString(),
        ["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(),
        ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_root, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_root, "log"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_root, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_root, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(_root, "rabbitmq.pid"),
    };

    private async Task<bool> AcceptsConnectionsAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void AppendLog(string path, string? line)
    {
        if (line is null)
            return;
        lock (_logLock)
        {
            try
            {
                File.AppendAllText(path, line + "\n");
            }
            catch (IOException)
            {
                // Output that arrives after the suite removed the node's folder has nowhere to go; throwing here, on the
                // process's reader thread, would crash the test host.
            }
        }
    }
}
