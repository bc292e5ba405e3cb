using Bus.Cli;
using Bus.IntegrationTests.EndToEnd;

namespace Bus.IntegrationTests.Cli;

/// <summary><c>bus</c> against the Gateway, EmailService and Scheduler as processes: the schedules and a task that really runs.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class CliRunningSystemTests(RunningSystem system)
{
    private const string Cron = "daily-report";

    [Fact]
    public async Task Schedules_are_listed_paused_resumed_and_run_now()
    {
        var listed = await RunAsync("schedules", "list");
        Assert.True(listed.ExitCode == ExitCodes.Ok, listed.ToString());
        Assert.Matches($@"(?m)^{Cron}\s+0 9 \* \* \*\s+America/Argentina/Cordoba\s+\S+\s+yes\s+no\s", listed.Output);

        var paused = await RunAsync("schedules", "pause", Cron);
        Assert.True(paused.ExitCode == ExitCodes.Ok, paused.ToString());
        Assert.StartsWith($"{Cron} is paused", paused.Output);

        var resumed = await RunAsync("schedules", "resume", Cron);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.ToString());
        Assert.StartsWith($"{Cron} is active", resumed.Output);

        var run = await RunAsync("schedules", "run", Cron);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.StartsWith($"{Cron}: one run submitted now", run.Output);

        var unknown = await RunAsync("schedules", "run", "no-such-cron");
        Assert.True(unknown.ExitCode == ExitCodes.NotFound, unknown.ToString());
        Assert.Contains("Schedule not found", unknown.Error);
    }

    [Fact]
    public async Task A_task_submitted_through_the_cli_completes_and_shows_its_result()
    {
        var subject = $"CLI {Guid.NewGuid():N}";
        var submitted = await RunAsync("submit", "email_notification", "--data", $$"""{"to":["ada@example.com"],"subject":"{{subject}}","body":"Hello"}""");
        Assert.True(submitted.ExitCode == ExitCodes.Ok, submitted.ToString());
        var id = Guid.Parse(submitted.Output.Split(' ')[0]);

        var task = await system.WaitForStatusAsync(id, "Completed");
        var shown = await RunAsync("tasks", "show", id.ToString());

        Assert.Matches(@"Status\s+Completed", shown.Output);
        Assert.Matches($@"Trace\s+{task.GetProperty("traceId").GetString()}\n", shown.Output);
        Assert.Contains("Result:", shown.Output);
        Assert.Contains(subject, shown.Output);
    }

    private Task<CliRun> RunAsync(params string[] args) =>
        CliGateway.RunAgainstAsync(system.Gateway.BaseAddress!, Bus.Gateway.Security.GatewayRoles.Admin, args);
}
