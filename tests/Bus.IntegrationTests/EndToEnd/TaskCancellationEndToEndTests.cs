using System.Net;
using System.Text.Json;

namespace Bus.IntegrationTests.EndToEnd;

/// <summary>
/// DELETE /tasks/{id} and per-task timeouts through the real Gateway, EmailService and Scheduler processes: a queued
/// task never runs even when its worker starts only after the cancel; a running one has its SMTP send stopped through
/// the consumer's CancellationToken; an attempt past its timeout fails as "timed out", once.
/// </summary>
[Collection(RunningSystemCollection.Name)]
public sealed class TaskCancellationEndToEndTests(RunningSystem system)
{
    [Fact]
    public async Task A_queued_task_cancelled_while_no_worker_runs_never_runs_when_one_starts()
    {
        var cancelledSubject = $"cancelled-queued-{Guid.NewGuid():N}";
        var laterSubject = $"after-cancel-{Guid.NewGuid():N}";
        Guid cancelledId, laterId;
        HttpResponseMessage cancel;
        await system.StopEmailServiceAsync();
        try
        {
            cancelledId = await RunningSystem.TaskIdOf(await system.SubmitAsync(Email(cancelledSubject)));
            await system.WaitForStatusAsync(cancelledId, "Queued", TimeSpan.FromSeconds(5));
            cancel = await system.Gateway.DeleteAsync($"/tasks/{cancelledId}");
            laterId = await RunningSystem.TaskIdOf(await system.SubmitAsync(Email(laterSubject)));
        }
        finally
        {
            await system.StartEmailServiceAsync();
        }

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("Cancelled", (await Body(cancel)).GetProperty("status").GetString());
        // Sent after it to the same queue: once this one is done, the worker has had the cancelled one too.
        var later = await system.WaitForStatusAsync(laterId, "Completed");
        Assert.Equal(120_000, later.GetProperty("timeout").GetInt64());
        var cancelled = await system.WaitForStatusAsync(cancelledId, "Cancelled", TimeSpan.FromSeconds(1));
        Assert.Equal(0, cancelled.GetProperty("attempts").GetInt32());
        Assert.Empty(system.MailsWithSubject(cancelledSubject));
        Assert.Null(await system.DeliveryOf(cancelledId));
        Assert.DoesNotContain(await system.Rabbit.PeekAsync(system.VirtualHost, "email"), m => m.Payload.Contains(cancelledId.ToString()));
        Assert.DoesNotContain(await system.Rabbit.PeekAsync(system.VirtualHost, "email_error"), m => m.Payload.Contains(cancelledId.ToString()));
    }

    [Fact]
    public async Task A_running_task_cancelled_has_its_smtp_send_stopped_and_is_cancelled_without_a_retry()
    {
        var subject = $"cancelled-running-{Guid.NewGuid():N}";
        Guid taskId;
        HttpResponseMessage cancel;
        JsonElement task;
        system.SmtpGate.Stall();
        try
        {
            taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(Email(subject)));
            await system.WaitForStatusAsync(taskId, "Running");
            await WaitForSmtpSendAsync(taskId);

            cancel = await system.Gateway.DeleteAsync($"/tasks/{taskId}");
            task = await system.WaitForStatusAsync(taskId, "Cancelled", TimeSpan.FromSeconds(20));
        }
        finally
        {
            system.SmtpGate.Resume();
        }

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var stopping = await Body(cancel);
        // The answer shows the task as it is by then: still Running, or already stopped if the worker was that quick.
        Assert.Contains(stopping.GetProperty("status").GetString(), new[] { "Running", "Cancelled" });
        Assert.Equal(JsonValueKind.String, stopping.GetProperty("cancelRequestedAt").ValueKind);

        var attempt = Assert.Single(task.GetProperty("attemptHistory").EnumerateArray());
        Assert.Equal("Cancelled", attempt.GetProperty("errorType").GetString());
        // The consumer's token reached MailKit: the send it was stuck in ended with a cancellation, not an SMTP error.
        var delivery = await system.DeliveryOf(taskId);
        Assert.Equal("failed", delivery?.Status);
        Assert.Contains("Canceled", delivery?.LastError);

        // Not retried, not redelivered (the redelivery intervals here are 0.5 s and 1 s), not in the error queue.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var after = await system.WaitForStatusAsync(taskId, "Cancelled", TimeSpan.FromSeconds(1));
        Assert.Equal(1, after.GetProperty("attempts").GetInt32());
        Assert.Empty(system.MailsWithSubject(subject));
        Assert.DoesNotContain(await system.Rabbit.PeekAsync(system.VirtualHost, "email_error"), m => m.Payload.Contains(taskId.ToString()));
        Assert.Equal(HttpStatusCode.OK, (await system.Gateway.DeleteAsync($"/tasks/{taskId}")).StatusCode);
    }

    [Fact]
    public async Task A_task_past_its_own_timeout_fails_as_timed_out_without_retries()
    {
        var subject = $"timed-out-{Guid.NewGuid():N}";
        Guid taskId;
        JsonElement task;
        system.SmtpGate.Stall();
        try
        {
            taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(Email(subject, timeoutMs: 1000)));
            task = await system.WaitForStatusAsync(taskId, "Failed", TimeSpan.FromSeconds(20));
        }
        finally
        {
            system.SmtpGate.Resume();
        }

        Assert.Equal(1000, task.GetProperty("timeout").GetInt64());
        var error = task.GetProperty("error");
        Assert.Equal("Bus.ServiceDefaults.Messaging.TaskTimedOutException", error.GetProperty("type").GetString());
        Assert.Equal("timed out", error.GetProperty("message").GetString());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Empty(system.MailsWithSubject(subject));

        // The saga hears of the fault as the message is being moved, so the move may still be under way.
        var faulted = Assert.Single(await system.WaitForErrorQueueMessagesAsync(taskId));
        Assert.Equal("Bus.ServiceDefaults.Messaging.TaskTimedOutException", faulted.Headers.GetValueOrDefault("MT-Fault-ExceptionType"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, (await system.WaitForStatusAsync(taskId, "Failed", TimeSpan.FromSeconds(1))).GetProperty("attempts").GetInt32());
    }

    /// <summary>The consumer reports 50 % just before it opens the SMTP connection (which the stalled gate never answers).</summary>
    private async Task WaitForSmtpSendAsync(Guid taskId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var task = await system.WaitForStatusAsync(taskId, "Running");
            if (task.GetProperty("progress").GetInt32() >= 50)
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"task {taskId} never reached its SMTP send");
    }

    private static async Task<JsonElement> Body(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static object Email(string subject, int? timeoutMs = null) => new
    {
        type = "email_notification",
        timeout = timeoutMs,
        data = new { to = new[] { "user@example.com" }, subject, body = "Hello" },
    };
}
