using System.CommandLine;
using System.Text.Json;

namespace Bus.Cli.Commands;

/// <summary><c>bus schedules list | pause NAME | resume NAME | run NAME</c>: the Scheduler's crons through the Gateway.</summary>
public static class ScheduleCommands
{
    public static Command Create(BusCli cli)
    {
        var list = new Command("list", "Every cron: expression, time zone, task type, enabled, paused, next and previous fire");
        cli.Handle(list, async (session, _, cancellationToken) =>
        {
            var answer = await session.Gateway.GetAsync("schedules", cancellationToken);
            if (!session.WroteJson(answer))
                Table.Write(session.Output, ["NAME", "CRON", "TIME ZONE", "TASK TYPE", "ENABLED", "PAUSED", "NEXT (UTC)", "PREVIOUS (UTC)"],
                    answer.Json.Get("schedules").Items().Select(s => (IReadOnlyList<string>)
                    [
                        s.Cell("name"), s.Cell("cron"), s.Cell("timeZone"), s.Cell("taskType"),
                        s.Flag("enabled") ? "yes" : "no", s.Flag("paused") ? "yes" : "no",
                        s.Time("nextFireTimeUtc"), s.Time("previousFireTimeUtc"),
                    ]));
            return ExitCodes.Ok;
        });
        return new Command("schedules", "The Scheduler's crons: list, pause, resume, run now")
        {
            list,
            Act(cli, "pause", "Stop a cron firing (on every Scheduler replica, across restarts)"),
            Act(cli, "resume", "Let a paused cron fire again (missed occurrences are skipped)"),
            Act(cli, "run", "Fire a cron once now, paused or not"),
        };
    }

    private static Command Act(BusCli cli, string action, string description)
    {
        var name = new Argument<string>("name") { Description = "The cron's name (see `bus schedules list`)" };
        var command = new Command(action, description) { name };
        cli.Handle(command, async (session, parse, cancellationToken) =>
        {
            var schedule = parse.GetRequiredValue(name);
            var answer = await session.Gateway.PostAsync($"schedules/{Uri.EscapeDataString(schedule)}/{action}", null, cancellationToken);
            if (!session.WroteJson(answer))
                session.Output.WriteLine(Describe(action, answer.Json));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Describe(string action, JsonElement schedule) => action switch
    {
        "run" => $"{schedule.Cell("name")}: one run submitted now ({schedule.Cell("taskType")})",
        _ => $"{schedule.Cell("name")} is {(schedule.Flag("paused") ? "paused" : "active")}; next fire {schedule.Time("nextFireTimeUtc")} UTC",
    };
}
