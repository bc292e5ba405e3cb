using System.CommandLine;
using System.CommandLine.Parsing;
using Bus.Cli.Commands;

namespace Bus.Cli;

/// <summary>One command's work, given the Gateway client and where to write.</summary>
public delegate Task<int> GatewayAction(Session session, ParseResult parse, CancellationToken cancellationToken);

/// <summary>What a command works with: the Gateway, standard output and error, and whether to print raw JSON.</summary>
public sealed class Session(GatewayClient gateway, TextWriter output, TextWriter error, bool printJson)
{
    public GatewayClient Gateway { get; } = gateway;
    public TextWriter Output { get; } = output;
    public TextWriter Error { get; } = error;
    public bool PrintJson { get; } = printJson;

    /// <summary>With <c>--json</c>, prints the API's answer and returns true: the caller prints its table otherwise.</summary>
    public bool WroteJson(ApiAnswer answer)
    {
        if (PrintJson)
            Output.WriteLine(JsonText.Pretty(answer.Body));
        return PrintJson;
    }
}

/// <summary>
/// <c>bus</c>: the Gateway's HTTP API from a terminal. <see cref="RunAsync"/> is the whole program, so tests run it
/// in-process with their own writers and environment.
/// </summary>
public sealed class BusCli
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    private readonly Func<string, string?> _environment;
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly Option<string> _url;
    private readonly Option<string> _token = new("--token") { Description = "Bearer token (default: $BUS_TOKEN); `bus token` mints a development one", Recursive = true };
    private readonly Option<bool> _json = new("--json") { Description = "Print the API's JSON answer instead of a table", Recursive = true };

    private BusCli(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        _output = output;
        _error = error;
        _environment = environment;
        _url = new("--url")
        {
            Description = "The Gateway's address ($BUS_URL when set)",
            Recursive = true,
            DefaultValueFactory = _ => Environment("BUS_URL") ?? DefaultUrl,
        };
    }

    /// <summary>Runs <c>bus</c> with <paramref name="args"/>; the exit code is one of <see cref="ExitCodes"/>.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error,
        Func<string, string?>? environment = null, CancellationToken cancellationToken = default) =>
        new BusCli(output, error, environment ?? System.Environment.GetEnvironmentVariable).InvokeAsync(args, cancellationToken);

    public string? Environment(string name) => _environment(name) is { Length: > 0 } value ? value : null;

    private async Task<int> InvokeAsync(string[] args, CancellationToken cancellationToken)
    {
        var root = new RootCommand("bus: the Bus Gateway's API from a terminal.\n\n" + ExitCodes.Help)
        {
            _url, _token, _json,
            MonitorCommand.Create(this),
            SubmitCommand.Create(this),
            TaskCommands.Create(this),
            QueueCommands.Create(this),
            ScheduleCommands.Create(this),
            DemoCommand.Create(this),
            TokenCommand.Create(this),
        };
        // "--data @task.json" names a file this tool reads itself, not a response file of extra arguments.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
                _error.WriteLine($"bus: {problem.Message}");
            _error.WriteLine("Run 'bus --help' (or 'bus <command> --help') for usage.");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = _output, Error = _error, ProcessTerminationTimeout = null }, cancellationToken);
    }

    /// <summary>Makes <paramref name="action"/> the command's handler, with the Gateway from <c>--url</c> and <c>--token</c>.</summary>
    public void Handle(Command command, GatewayAction action) =>
        command.SetAction((parse, cancellationToken) => GuardAsync(async () =>
        {
            var url = parse.GetValue(_url)!;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
                throw CliException.Usage($"--url must be an http(s) address, not '{url}'");
            using var gateway = new GatewayClient(address, parse.GetValue(_token) ?? Environment("BUS_TOKEN"));
            return await action(new Session(gateway, _output, _error, parse.GetValue(_json)), parse, cancellationToken);
        }));

    /// <summary>A handler that needs no Gateway (<c>bus token</c>).</summary>
    public void HandleLocally(Command command, Func<ParseResult, TextWriter, int> action) =>
        command.SetAction((parse, _) => GuardAsync(() => Task.FromResult(action(parse, _output))));

    private async Task<int> GuardAsync(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (CliException exception)
        {
            _error.WriteLine($"bus: {exception.Message}");
            return exception.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
    }
}
