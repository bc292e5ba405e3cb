using System.Diagnostics;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;

namespace Bus.FaultTests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of the suite's own (initdb + pg_ctl from the installed Debian binaries) on a free loopback
/// port with its data under a temporary folder, so it can be restarted under load without touching the shared
/// server on 5432. Run as the <c>postgres</c> user when the tests run as root (PostgreSQL refuses root).
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    public const string User = "bus";

    private readonly string _root;
    private readonly string _binaries;
    private bool _running;

    private PrivatePostgres(string root, string binaries)
    {
        _root = root;
        _binaries = binaries;
        Port = FreePort.Next();
    }

    public int Port { get; }
    public int Restarts { get; private set; }
    private string DataDirectory => Path.Combine(_root, "data");

    public static async Task<PrivatePostgres> StartAsync(string root)
    {
        var binaries = FindBinaries() ?? throw new InvalidOperationException("no PostgreSQL server binaries under /usr/lib/postgresql");
        Directory.CreateDirectory(root);
        if (RunsAsRoot)
            await RunAsync("chown", "postgres", root);
        var postgres = new PrivatePostgres(root, binaries);
        // Trust on loopback: a throwaway cluster, reachable only from this machine, with no data worth a password.
        await postgres.RunToolAsync("initdb", "-D", postgres.DataDirectory, "-U", User, "--auth=trust", "-E", "UTF8", "--no-sync");
        await postgres.StartAsync();
        return postgres;
    }

    /// <summary>The newest installed server's bin folder (Debian: /usr/lib/postgresql/&lt;version&gt;/bin), or null.</summary>
    public static string? FindBinaries() =>
        !Directory.Exists("/usr/lib/postgresql") ? null : Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var version) ? version : 0)
            .FirstOrDefault();

    public async Task StartAsync()
    {
        // fsync off: the suite restarts the server cleanly, it does not cut the power.
        await RunToolAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={_root} -c max_connections=400 -c fsync=off",
            "start");
        _running = true;
    }

    /// <summary>pg_ctl's fast shutdown: open transactions are rolled back and every client is disconnected.</summary>
    public async Task StopAsync()
    {
        await RunToolAsync("pg_ctl", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop");
        _running = false;
    }

    public async Task RestartAsync(TimeSpan downtime)
    {
        await StopAsync();
        await Task.Delay(downtime);
        await StartAsync();
        Restarts++;
    }

    public string ConnectionString(string database, int maxPoolSize = 100) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = User,
            Password = User,
            Database = database,
            MaxPoolSize = maxPoolSize,
        }.ConnectionString;

    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
            await StopAsync();
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private Task RunToolAsync(string tool, params string[] arguments) =>
        RunsAsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_binaries, tool), .. arguments])
            : RunAsync(Path.Combine(_binaries, tool), arguments);

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(wait.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
    }
}
