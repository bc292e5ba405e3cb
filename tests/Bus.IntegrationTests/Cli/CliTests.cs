using System.Text.Json;
using Bus.Cli;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Cli;

/// <summary><c>bus</c> against a real Gateway: each command's output and exit code, and the API's refusals as exit codes.</summary>
public sealed class CliTests(CliGateway fixture) : IClassFixture<CliGateway>
{
    private const string EmailData = """{"to":["ada@example.com"],"subject":"From the CLI","body":"Hello"}""";

    [Fact]
    public async Task Monitor_once_prints_totals_throughput_health_and_every_queue()
    {
        var run = await fixture.RunAsync("monitor", "--once");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        foreach (var line in new[] { "Bus monitor", "Health ", "Tasks ", "Throughput ", "Last hour ", "QUEUE", "email " })
            Assert.Contains(line, run.Output);
        Assert.DoesNotContain("\u001b[", run.Output);
    }

    [Fact]
    public async Task Monitor_once_json_holds_system_queues_and_health()
    {
        var run = await fixture.RunAsync("monitor", "--once", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var root = JsonDocument.Parse(run.Output).RootElement;
        Assert.True(root.GetProperty("system").TryGetProperty("totals", out _));
        Assert.Contains(root.GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == "email");
        Assert.False(string.IsNullOrEmpty(root.GetProperty("health").GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_submitted_task_is_shown_listed_cancelled_and_retried()
    {
        var submitted = await fixture.RunAsync("submit", "email_notification", "--data", EmailData, "--priority", "7");
        Assert.True(submitted.ExitCode == ExitCodes.Ok, submitted.ToString());
        var id = Guid.Parse(submitted.Output.Split(' ')[0]);
        Assert.Contains("Queued", submitted.Output);

        var shown = await fixture.RunAsync("tasks", "show", id.ToString());
        Assert.True(shown.ExitCode == ExitCodes.Ok, shown.ToString());
        Assert.Contains("email_notification", shown.Output);
        Assert.Contains("ada@example.com", shown.Output);
        Assert.Matches(@"Priority\s+7", shown.Output);

        var listed = await fixture.RunAsync("tasks", "list", "--type", "email_notification", "--status", "Queued", "--limit", "200");
        Assert.True(listed.ExitCode == ExitCodes.Ok, listed.ToString());
        Assert.Contains(id.ToString(), listed.Output);
        Assert.StartsWith("ID ", listed.Output);
        var inEmail = await fixture.RunAsync("tasks", "list", "--queue", "email", "--status", "Queued", "--limit", "200");
        Assert.Contains(id.ToString(), inEmail.Output);
        var inMedia = await fixture.RunAsync("tasks", "list", "--queue", "media", "--limit", "200");
        Assert.True(inMedia.ExitCode == ExitCodes.Ok, inMedia.ToString());
        Assert.DoesNotContain(id.ToString(), inMedia.Output);

        var cancelled = await fixture.RunAsync("tasks", "cancel", id.ToString());
        Assert.True(cancelled.ExitCode == ExitCodes.Ok, cancelled.ToString());
        Assert.Equal($"{id} Cancelled", cancelled.Output.Trim());

        var retried = await fixture.RunAsync("tasks", "retry", id.ToString());
        Assert.True(retried.ExitCode == ExitCodes.Ok, retried.ToString());
        Assert.Equal($"{id} Queued", retried.Output.Trim());

        var json = await fixture.RunAsync("tasks", "show", id.ToString(), "--json");
        Assert.Equal("Queued", JsonDocument.Parse(json.Output).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_long_list_says_on_stderr_how_to_get_the_next_page()
    {
        var key = $"cli-page-{Guid.NewGuid():N}";
        foreach (var n in new[] { 1, 2 })
            Assert.Equal(ExitCodes.Ok, (await fixture.RunAsync("submit", "email_notification", "--data", EmailData, "-k", $"{key}-{n}")).ExitCode);

        var first = await fixture.RunAsync("tasks", "list", "--search", key, "--limit", "1");
        var cursor = System.Text.RegularExpressions.Regex.Match(first.Error, @"--cursor (\S+)").Groups[1].Value;
        var second = await fixture.RunAsync("tasks", "list", "--search", key, "--limit", "1", "--cursor", cursor);

        Assert.True(first.ExitCode == ExitCodes.Ok && second.ExitCode == ExitCodes.Ok, $"{first}\n{second}");
        Assert.NotEqual("", cursor);
        var firstId = first.Output.Split('\n')[1].Split(' ')[0];
        var secondId = second.Output.Split('\n')[1].Split(' ')[0];
        Assert.NotEqual(firstId, secondId);
    }

    [Fact]
    public async Task Submit_reads_data_from_a_file_and_a_repeated_idempotency_key_returns_the_first_task()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bus-cli-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, EmailData);
        try
        {
            var key = $"cli-{Guid.NewGuid():N}";
            var first = await fixture.RunAsync("submit", "email_notification", "--data", "@" + file, "--idempotency-key", key);
            var second = await fixture.RunAsync("submit", "email_notification", "--data", "@" + file, "--idempotency-key", key);

            Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
            Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
            Assert.Equal(first.Output.Split(' ')[0], second.Output.Split(' ')[0]);
            Assert.Contains("already exists", second.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Invalid_task_data_is_refused_with_the_problem_in_one_line_on_stderr()
    {
        var run = await fixture.RunAsync("submit", "email_notification", "--data", """{"to":["not-an-address"],"subject":"x","body":"y"}""");

        Assert.True(run.ExitCode == ExitCodes.Refused, run.ToString());
        Assert.Equal("", run.Output);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("400", line);
        Assert.Contains("data.to[0]", line);
    }

    [Fact]
    public async Task An_unknown_task_id_exits_with_not_found()
    {
        var run = await fixture.RunAsync("tasks", "show", Guid.NewGuid().ToString());

        Assert.True(run.ExitCode == ExitCodes.NotFound, run.ToString());
        Assert.Contains("404", run.Error);
    }

    [Fact]
    public async Task Without_a_token_the_cli_exits_unauthorized_and_says_how_to_get_one()
    {
        var run = await CliGateway.RunWithAsync(["tasks", "list"], new Dictionary<string, string> { ["BUS_URL"] = fixture.Gateway.Address.ToString() });

        Assert.True(run.ExitCode == ExitCodes.Unauthorized, run.ToString());
        Assert.Contains("401", run.Error);
        Assert.Contains("BUS_TOKEN", run.Error);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_exits_unauthorized()
    {
        var run = await CliGateway.RunWithAsync(["tasks", "list", "--url", fixture.Gateway.Address.ToString()],
            new Dictionary<string, string> { ["BUS_TOKEN"] = TestTokens.SignedWithAnotherKey(GatewayRoles.Admin) });

        Assert.True(run.ExitCode == ExitCodes.Unauthorized, run.ToString());
        Assert.Contains("401", run.Error);
    }

    [Fact]
    public async Task A_viewer_cannot_pause_a_queue()
    {
        var run = await fixture.RunAsRoleAsync(GatewayRoles.Viewer, "queues", "pause", "email");

        Assert.True(run.ExitCode == ExitCodes.Unauthorized, run.ToString());
        Assert.Contains("403", run.Error);
    }

    [Fact]
    public async Task Queues_are_listed_paused_resumed_and_their_error_queues_browsed_and_redelivered()
    {
        var paused = await fixture.RunAsync("queues", "pause", "export");
        Assert.True(paused.ExitCode == ExitCodes.Ok, paused.ToString());
        Assert.StartsWith("export is paused", paused.Output);

        var listed = await fixture.RunAsync("queues", "list");
        Assert.True(listed.ExitCode == ExitCodes.Ok, listed.ToString());
        Assert.Matches(@"(?m)^export\s+yes\s", listed.Output);

        var resumed = await fixture.RunAsync("queues", "resume", "export");
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.ToString());
        Assert.Equal("export is consuming.", resumed.Output.Trim());

        var errors = await fixture.RunAsync("queues", "errors", "export");
        Assert.True(errors.ExitCode == ExitCodes.Ok, errors.ToString());
        Assert.Contains("export_error: 0 message(s)", errors.Output);

        var redelivered = await fixture.RunAsync("queues", "redeliver", "export");
        Assert.True(redelivered.ExitCode == ExitCodes.Ok, redelivered.ToString());
        Assert.Equal("Redelivered 0 message(s) to export.", redelivered.Output.Trim());

        var named = await fixture.RunAsync("queues", "redeliver", "export", "--message-id", Guid.NewGuid().ToString());
        Assert.True(named.ExitCode == ExitCodes.NotFound, named.ToString());

        var unknown = await fixture.RunAsync("queues", "pause", "no-such-queue");
        Assert.True(unknown.ExitCode == ExitCodes.NotFound, unknown.ToString());
        Assert.Contains("Queue not found", unknown.Error);
    }

    [Fact]
    public async Task Schedules_without_a_scheduler_answering_exit_unavailable()
    {
        var run = await fixture.RunAsync("schedules", "list");

        Assert.True(run.ExitCode == ExitCodes.Unavailable, run.ToString());
        Assert.Contains("503 Scheduler unavailable", run.Error);
    }

    [Fact]
    public async Task Demo_submits_one_task_of_every_type_per_round()
    {
        var run = await fixture.RunAsync("demo", "--count", "2");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var rows = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var types = rows.Select(r => r.Split(' ')[0]).ToList();
        Assert.Contains("email_notification", types);
        Assert.All(types.GroupBy(t => t), group => Assert.Equal(2, group.Count()));
        Assert.All(rows, r => Assert.Matches(@"\s(Queued|Scheduled)$", r.TrimEnd()));
    }

    [Fact]
    public async Task A_token_from_bus_token_is_accepted_with_its_role()
    {
        var minted = await CliGateway.RunWithAsync(["token", "--role", "viewer"], new Dictionary<string, string>
        {
            ["BUS_AUTH_SIGNING_KEY"] = TestTokens.SigningKey,
            ["BUS_AUTH_ISSUER"] = TestTokens.Issuer,
            ["BUS_AUTH_AUDIENCE"] = TestTokens.Audience,
        });
        Assert.True(minted.ExitCode == ExitCodes.Ok, minted.ToString());
        var token = minted.Output.Trim();
        var environment = new Dictionary<string, string> { ["BUS_URL"] = fixture.Gateway.Address.ToString(), ["BUS_TOKEN"] = token };

        var read = await CliGateway.RunWithAsync(["tasks", "list", "--limit", "1"], environment);
        var write = await CliGateway.RunWithAsync(["submit", "email_notification", "--data", EmailData], environment);

        Assert.True(read.ExitCode == ExitCodes.Ok, read.ToString());
        Assert.True(write.ExitCode == ExitCodes.Unauthorized, write.ToString());
        Assert.Contains("403", write.Error);
    }

    [Fact]
    public async Task An_unreachable_gateway_exits_unavailable()
    {
        var run = await CliGateway.RunWithAsync(["tasks", "list", "--url", $"http://127.0.0.1:{FreePort.Next()}", "--token", "x"]);

        Assert.True(run.ExitCode == ExitCodes.Unavailable, run.ToString());
        Assert.Contains("cannot reach the Gateway", run.Error);
    }
}
