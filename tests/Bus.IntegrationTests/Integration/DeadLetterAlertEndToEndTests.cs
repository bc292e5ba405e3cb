using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Integration;

/// <summary>A task that fails for good raises exactly one Slack alert; a failing alert raises none.</summary>
[Collection(IntegrationSystemCollection.Name)]
public sealed class DeadLetterAlertEndToEndTests(IntegrationSystem system)
{
    [Fact]
    public async Task A_task_that_fails_for_good_produces_exactly_one_slack_alert_even_when_its_failure_is_delivered_again()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/reject", new PartnerReply(400, """{"error":"no"}"""));
        system.ConfiguredPartner.Script(IntegrationSystem.SlackPath, new PartnerReply(200, "ok"));

        var taskId = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/reject", payload = new { a = 1 } });
        await system.WaitForAsync(taskId, "Failed");
        var alertTaskId = await AlertTaskOf(taskId);
        await system.WaitForAsync(alertTaskId, "Completed");

        var alert = Assert.Single(system.SlackMessagesAbout(taskId));
        var text = JsonDocument.Parse(alert.Body).RootElement.GetProperty("text").GetString()!;
        Assert.Contains("api_integration", text);
        Assert.Contains("`integration`", text);
        Assert.Contains("answered 400", text);
        Assert.Contains($"https://bus.example.com/tasks/{taskId}", text);

        // The same failure delivered again (at-least-once) is recognised and alerts nobody.
        var row = await FailureOf(taskId);
        await PublishAsync("Bus.Contracts.Tasks:TaskDeadLettered", new
        {
            taskId, type = "api_integration", queue = "integration", exceptionType = "X", reason = "again", failedAt = row,
        });
        await system.UntilAsync(() => Task.FromResult(system.IntegrationLog().Contains($"Task {taskId}: this failure was handled already")),
            "the repeated failure is consumed");
        Assert.Single(system.SlackMessagesAbout(taskId));
    }

    [Fact]
    public async Task With_slack_down_a_failed_task_gets_its_three_alert_attempts_and_the_failed_alert_raises_no_other()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/reject", new PartnerReply(422, """{"error":"no"}"""));
        system.ConfiguredPartner.Script(IntegrationSystem.SlackPath, new PartnerReply(503, "slack is down"));
        try
        {
            var taskId = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/reject", payload = new { a = 1 } });
            await system.WaitForAsync(taskId, "Failed");
            var alertTaskId = await AlertTaskOf(taskId);
            var alertTask = await system.WaitForAsync(alertTaskId, "Failed");
            Assert.Equal(1, alertTask.GetProperty("attempts").GetInt32());

            await system.UntilAsync(async () => (await system.DeadLetterAlertAsync(alertTaskId)).Found, "the failed alert is handled");
            Assert.Null((await system.DeadLetterAlertAsync(alertTaskId)).AlertTaskId);
            Assert.Equal(3, system.SlackMessagesAbout(taskId).Count);
            Assert.Empty(system.SlackMessagesAbout(alertTaskId));
        }
        finally
        {
            system.ConfiguredPartner.Script(IntegrationSystem.SlackPath, new PartnerReply(200, "ok"));
        }
    }

    [Fact]
    public async Task A_slack_alert_submitted_by_another_service_posts_its_text()
    {
        system.ConfiguredPartner.Script(IntegrationSystem.SlackPath, new PartnerReply(200, "ok"));
        var marker = Guid.NewGuid();

        var taskId = await system.SubmitAsync("slack_alert", new { text = $"Daily report {marker}" });

        await system.WaitForAsync(taskId, "Completed");
        var message = Assert.Single(system.SlackMessagesAbout(marker));
        Assert.Equal($"Daily report {marker}", JsonDocument.Parse(message.Body).RootElement.GetProperty("text").GetString());
    }

    private async Task<Guid> AlertTaskOf(Guid taskId)
    {
        await system.UntilAsync(async () => (await system.DeadLetterAlertAsync(taskId)).AlertTaskId is not null, $"task {taskId}'s failure is alerted");
        return (await system.DeadLetterAlertAsync(taskId)).AlertTaskId!.Value;
    }

    private async Task<DateTime> FailureOf(Guid taskId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(system.Database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT failed_at FROM integration.dead_letter_alerts WHERE task_id = @taskId", connection);
        command.Parameters.AddWithValue("taskId", taskId);
        return ((DateTime)(await command.ExecuteScalarAsync())!).ToUniversalTime();
    }

    /// <summary>Publishes an event as the task saga would, through the broker's management API.</summary>
    private async Task PublishAsync(string messageType, object message)
    {
        using var management = new RabbitManagement();
        await management.PublishCommandAsync(system.VirtualHost, messageType, messageType, message);
    }
}
