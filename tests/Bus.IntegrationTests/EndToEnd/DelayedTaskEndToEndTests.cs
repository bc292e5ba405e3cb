using System.Net;
using System.Text.Json;

namespace Bus.IntegrationTests.EndToEnd;

/// <summary>Delayed tasks and scheduled redelivery through the real Scheduler, on RabbitMQ without the delayed-exchange plugin.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class DelayedTaskEndToEndTests(RunningSystem system)
{
    [Fact]
    public async Task A_task_with_runAt_three_seconds_ahead_runs_after_and_never_before_its_time()
    {
        var subject = $"later-{Guid.NewGuid():N}";
        var runAt = DateTime.UtcNow.AddSeconds(3);

        var response = await system.SubmitAsync(DelayedEmail(subject, runAt: runAt));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = await RunningSystem.TaskIdOf(response);
        var scheduled = await system.WaitForStatusAsync(taskId, "Scheduled", TimeSpan.FromSeconds(2));
        Assert.Empty(system.MailsWithSubject(subject));
        var task = await system.WaitForStatusAsync(taskId, "Completed");

        Assert.True(StartedAt(task) >= runAt, $"started {StartedAt(task):O}, due {runAt:O}");
        Assert.Equal(runAt, scheduled.GetProperty("runAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Single(system.MailsWithSubject(subject));
    }

    [Fact]
    public async Task A_cancelled_scheduled_task_never_runs()
    {
        var subject = $"cancelled-{Guid.NewGuid():N}";
        var taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(DelayedEmail(subject, delayMs: 2000)));
        await system.WaitForStatusAsync(taskId, "Scheduled", TimeSpan.FromSeconds(2));

        var cancel = await system.Gateway.DeleteAsync($"/tasks/{taskId}");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var task = await system.WaitForStatusAsync(taskId, "Cancelled", TimeSpan.FromSeconds(1));
        Assert.Equal(0, task.GetProperty("attempts").GetInt32());
        Assert.Empty(system.MailsWithSubject(subject));
        Assert.Equal(HttpStatusCode.OK, (await system.Gateway.DeleteAsync($"/tasks/{taskId}")).StatusCode);
    }

    [Fact]
    public async Task A_finished_task_cannot_be_cancelled_and_an_unknown_one_is_not_found()
    {
        var taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(DelayedEmail($"done-{Guid.NewGuid():N}")));
        await system.WaitForStatusAsync(taskId, "Completed");

        Assert.Equal(HttpStatusCode.Conflict, (await system.Gateway.DeleteAsync($"/tasks/{taskId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await system.Gateway.DeleteAsync($"/tasks/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task A_scheduled_task_still_runs_after_every_scheduler_was_stopped_and_started_again()
    {
        var subject = $"survivor-{Guid.NewGuid():N}";
        var runAt = DateTime.UtcNow.AddSeconds(4);
        var taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(DelayedEmail(subject, runAt: runAt)));
        await system.WaitForStatusAsync(taskId, "Scheduled", TimeSpan.FromSeconds(2));

        await system.StopSchedulerAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await system.StartSchedulerAsync();

        var task = await system.WaitForStatusAsync(taskId, "Completed");
        Assert.True(StartedAt(task) >= runAt);
        Assert.Single(system.MailsWithSubject(subject));
    }

    [Fact]
    public async Task A_worker_that_fails_twice_then_succeeds_is_redelivered_through_the_scheduler_with_the_configured_delays()
    {
        var subject = $"flaky-{Guid.NewGuid():N}";
        system.SmtpGate.Down();
        Guid taskId;
        try
        {
            taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(DelayedEmail(subject)));
            await WaitForAttemptsAsync(taskId, failed: 2);
        }
        finally
        {
            system.SmtpGate.Up();
        }

        var task = await system.WaitForStatusAsync(taskId, "Completed");
        var attempts = task.GetProperty("attemptHistory").EnumerateArray().ToList();
        Assert.Equal(3, task.GetProperty("attempts").GetInt32());
        Assert.Equal(3, attempts.Count);
        // Attempt 2 is the in-memory retry; attempt 3 came back through the Scheduler after the first redelivery interval.
        Assert.True(Gap(attempts[0], "failedAt", attempts[1]) >= RunningSystem.EmailRetryIntervals[0] - Tolerance);
        Assert.True(Gap(attempts[1], "failedAt", attempts[2]) >= RunningSystem.EmailRedeliveryIntervals[0] - Tolerance,
            $"redelivered {Gap(attempts[1], "failedAt", attempts[2]).TotalMilliseconds} ms after the failure");
        Assert.Single(system.MailsWithSubject(subject));
    }

    /// <summary>Timestamps come from different processes' clocks on one machine: allow their rounding.</summary>
    private static readonly TimeSpan Tolerance = TimeSpan.FromMilliseconds(20);

    private async Task WaitForAttemptsAsync(Guid taskId, int failed)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var response = await system.Gateway.GetAsync($"/tasks/{taskId}");
            if (response.IsSuccessStatusCode)
            {
                using var task = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var failures = task.RootElement.GetProperty("attemptHistory").EnumerateArray()
                    .Count(a => a.GetProperty("failedAt").ValueKind == JsonValueKind.String);
                if (failures >= failed)
                    return;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"task {taskId} did not record {failed} failed attempts");
    }

    private static TimeSpan Gap(JsonElement earlier, string field, JsonElement later) =>
        later.GetProperty("startedAt").GetDateTime() - earlier.GetProperty(field).GetDateTime();

    private static DateTime StartedAt(JsonElement task) => task.GetProperty("startedAt").GetDateTime().ToUniversalTime();

    private static object DelayedEmail(string subject, DateTime? runAt = null, int? delayMs = null) => new
    {
        type = "email_notification",
        runAt = runAt?.ToString("O"),
        delay = delayMs,
        data = new { to = new[] { "user@example.com" }, subject, body = "Hello later" },
    };
}
