using Xunit.Abstractions;
using System.Net;
using System.Text.Json;

namespace Bus.IntegrationTests.SyncsAndReminders;

/// <summary><c>booking_reminder</c> and <c>payment_reminder</c>: delayed child tasks through the real task saga and Scheduler.</summary>
[Collection(SyncsAndRemindersCollection.Name)]
public sealed class ReminderTests(SyncsAndRemindersSystem system, ITestOutputHelper output)
{
    [Fact]
    public async Task A_booking_two_hours_ahead_schedules_the_1h_and_15min_reminders_and_skips_the_24h_one()
    {
        var bookingTime = DateTimeOffset.UtcNow.AddHours(2).ToOffset(TimeSpan.FromHours(-3));
        var parentId = await system.SubmitAsync("booking_reminder", Booking("BK-2H", bookingTime));

        var parent = await system.WaitForAsync(parentId, "Completed");
        var result = parent.GetProperty("result");
        Assert.Equal((2, 1), (result.GetProperty("scheduled").GetInt32(), result.GetProperty("skipped").GetInt32()));
        Assert.Equal("Skipped", result.GetProperty("reminders").EnumerateArray().Single(r => r.GetProperty("slot").GetString() == "24h").GetProperty("status").GetString());

        var children = await system.ChildrenOfAsync(parentId);
        Assert.Equal(["15m", "1h"], children.Select(c => c.GetProperty("idempotencyKey").GetString()!.Split(':')[1]).Order());
        foreach (var child in children)
        {
            Assert.Equal("email_notification", child.GetProperty("type").GetString());
            Assert.Equal("Scheduled", child.GetProperty("status").GetString());
            Assert.Equal(parentId, child.GetProperty("parentTaskId").GetGuid());
            Assert.Equal("ada@example.com", child.GetProperty("data").GetProperty("to").GetString());
            var lead = child.GetProperty("idempotencyKey").GetString()!.EndsWith(":1h") ? TimeSpan.FromHours(1) : TimeSpan.FromMinutes(15);
            Assert.Equal((bookingTime - lead).UtcDateTime, child.GetProperty("runAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
            Assert.Equal(parentId, (await system.GetTaskAsync(child.GetProperty("taskId").GetGuid())).GetProperty("parentTaskId").GetGuid());
        }
    }

    [Fact]
    public async Task Cancelling_a_completed_booking_reminder_cancels_its_pending_reminders()
    {
        var parentId = await system.SubmitAsync("booking_reminder", Booking("BK-CANCEL", DateTimeOffset.UtcNow.AddDays(3)));
        await system.WaitForAsync(parentId, "Completed");
        var children = await system.ChildrenOfAsync(parentId);
        Assert.Equal(3, children.Count);

        var cancel = await system.Gateway.DeleteAsync($"/tasks/{parentId}");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        foreach (var child in children)
        {
            var cancelled = await system.WaitForAsync(child.GetProperty("taskId").GetGuid(), "Cancelled");
            Assert.Equal(0, cancelled.GetProperty("attempts").GetInt32());
        }
        Assert.Equal("Completed", (await system.GetTaskAsync(parentId)).GetProperty("status").GetString());
        // Nothing left to cancel: a finished task without pending children is not cancellable.
        Assert.Equal(HttpStatusCode.Conflict, (await system.Gateway.DeleteAsync($"/tasks/{parentId}")).StatusCode);
    }

    [Fact]
    public async Task The_same_booking_reminder_delivered_twice_schedules_its_reminders_once()
    {
        // Two copies of one command on the queue at once, as a redelivery after a lost acknowledgement would leave them.
        var parentId = Guid.NewGuid();
        var command = new
        {
            taskId = parentId,
            bookingId = "BK-TWICE",
            bookingTime = DateTimeOffset.UtcNow.AddDays(2),
            contact = new { email = "ada@example.com" },
        };
        await system.Rabbit.PublishCommandAsync(system.VirtualHost, "integration", "Bus.Contracts.Integration:ScheduleBookingReminders", command);
        await system.Rabbit.PublishCommandAsync(system.VirtualHost, "integration", "Bus.Contracts.Integration:ScheduleBookingReminders", command);

        var parent = await system.WaitForAsync(parentId, "Completed");
        // Usually both copies run (the second claim arrives while the first is still Running); a copy that comes after
        // the task Completed is refused at its claim. Either way, give the second copy time to do whatever it does.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && (await system.GetTaskAsync(parentId)).GetProperty("attempts").GetInt32() < 2)
            await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(1));
        output.WriteLine($"the parent ran {(await system.GetTaskAsync(parentId)).GetProperty("attempts").GetInt32()} time(s)");

        var children = await system.ChildrenOfAsync(parentId);
        Assert.Equal(3, children.Count);
        Assert.Equal(3, children.Select(c => c.GetProperty("idempotencyKey").GetString()).Distinct().Count());
        Assert.All(children, c => Assert.Equal("Scheduled", c.GetProperty("status").GetString()));
        Assert.Equal(3, parent.GetProperty("result").GetProperty("scheduled").GetInt32());
    }

    [Fact]
    public async Task A_payment_reminder_is_scheduled_a_day_before_it_is_due_and_skipped_when_that_is_past()
    {
        var dueAt = DateTimeOffset.UtcNow.AddDays(2);
        var parentId = await system.SubmitAsync("payment_reminder", new
        {
            paymentId = "INV-1",
            dueAt = dueAt.ToString("O"),
            contact = new { email = "ada@example.com" },
            amount = 1250.5m,
            currency = "ARS",
        });
        await system.WaitForAsync(parentId, "Completed");
        var child = Assert.Single(await system.ChildrenOfAsync(parentId));
        Assert.Equal((dueAt - TimeSpan.FromHours(24)).UtcDateTime, child.GetProperty("runAt").GetDateTime(), TimeSpan.FromMilliseconds(1));
        Assert.Contains("1250.50 ARS", child.GetProperty("data").GetProperty("body").GetString());

        var soonId = await system.SubmitAsync("payment_reminder", new { paymentId = "INV-2", dueAt = DateTimeOffset.UtcNow.AddHours(2).ToString("O"), contact = new { email = "ada@example.com" } });
        var soon = await system.WaitForAsync(soonId, "Completed");
        Assert.Equal(1, soon.GetProperty("result").GetProperty("skipped").GetInt32());
        Assert.Empty(await system.ChildrenOfAsync(soonId));
    }

    [Fact]
    public async Task A_booking_reminder_without_a_contact_or_time_offset_is_refused()
    {
        var response = await system.Gateway.PostAsync("/tasks", new StringContent(
            """{"type":"booking_reminder","data":{"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00","contact":{}}}""",
            System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("data.bookingTime", out _));
        Assert.True(errors.TryGetProperty("data.contact", out _));
    }

    private static object Booking(string bookingId, DateTimeOffset bookingTime) => new
    {
        bookingId,
        bookingTime = bookingTime.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"),
        contact = new { email = "ada@example.com" },
        name = "Ada",
        details = "Table for 4",
    };
}
