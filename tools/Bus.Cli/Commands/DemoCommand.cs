using System.CommandLine;

namespace Bus.Cli.Commands;

/// <summary><c>bus demo [--count N]</c>: <c>POST /demo/create-sample-tasks</c> N times, one task of every type each time.</summary>
public static class DemoCommand
{
    public const int MaxCount = 100;

    public static Command Create(BusCli cli)
    {
        var count = new Option<int>("--count", "-n") { Description = $"Rounds of sample tasks (1-{MaxCount}); each submits one task of every type", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "Submit sample tasks (needs Gateway:EnableDemoEndpoints, on in Development)") { count };
        cli.Handle(command, async (session, parse, cancellationToken) =>
        {
            var rounds = parse.GetValue(count);
            if (rounds is < 1 or > MaxCount)
                throw CliException.Usage($"--count must be from 1 to {MaxCount}");
            var rows = new List<IReadOnlyList<string>>();
            for (var round = 1; round <= rounds; round++)
            {
                ApiAnswer answer;
                try
                {
                    answer = await session.Gateway.PostAsync("demo/create-sample-tasks", null, cancellationToken);
                }
                catch (CliException exception) when (exception.ExitCode == ExitCodes.NotFound)
                {
                    throw new CliException(ExitCodes.NotFound,
                        $"{exception.Message} — this Gateway has no demo endpoint: set Gateway:EnableDemoEndpoints=true (on in Development)");
                }
                if (session.WroteJson(answer))
                    continue;
                rows.AddRange(answer.Json.Items().Select(t => (IReadOnlyList<string>)[t.Cell("type"), t.Cell("taskId"), t.Cell("status")]));
            }
            if (!session.PrintJson)
                Table.Write(session.Output, ["TYPE", "TASK ID", "STATUS"], rows);
            return ExitCodes.Ok;
        });
        return command;
    }
}
