using Bus.ServiceDefaults.Messaging;
using MassTransit;
using MassTransit.Scheduling;
using Npgsql;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.Scheduler;

/// <summary>One Scheduler process and a client bus built by ServiceDefaults, on a virtual host and database of their own.</summary>
public sealed class SchedulerFixture : IAsyncLifetime
{
    public SchedulerTestSystem System { get; private set; } = null!;
    public SchedulerTestBus Bus { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System = await SchedulerTestSystem.CreateAsync();
        await System.StartSchedulerAsync();
        Bus = await SchedulerTestBus.StartAsync(System);
    }

    public async Task DisposeAsync()
    {
        await Bus.DisposeAsync();
        await System.DisposeAsync();
    }
}

[Collection(SchedulerProcessesCollection.Name)]
public sealed class ScheduledSendTests(SchedulerFixture fixture, ITestOutputHelper output) : IClassFixture<SchedulerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_scheduled_message_arrives_after_its_time_never_before_with_its_headers_ids_and_message_types()
    {
        var id = Guid.NewGuid();
        var messageId = NewId.NextGuid();
        var correlationId = Guid.NewGuid();
        var at = DateTime.UtcNow.AddSeconds(2.5);

        var scheduled = await fixture.Bus.WithScheduler(scheduler => scheduler.ScheduleSend(SchedulerTestBus.ProbeAddress, at,
            new ScheduledProbe(id, "hello later"), Pipe.Execute<SendContext<ScheduledProbe>>(context =>
            {
                context.MessageId = messageId;
                context.CorrelationId = correlationId;
                context.Headers.Set("X-Tenant", "acme");
                context.Headers.Set("X-Attempt-Budget", 42);
            })));

        var delivery = Assert.Single(await fixture.Bus.Deliveries.WaitForAsync(id, 1, Patience));
        output.WriteLine($"scheduled send: {(delivery.ReceivedAt - at).TotalMilliseconds:F0} ms after its time (arrived {delivery.ReceivedAt:HH:mm:ss.fff}, due {at:HH:mm:ss.fff})");
        output.WriteLine("headers: " + string.Join(", ", delivery.Headers.Select(h => $"{h.Key}={h.Value}")));
        Assert.True(delivery.ReceivedAt >= at, $"arrived {(at - delivery.ReceivedAt).TotalMilliseconds:F0} ms early");

        Assert.Equal("hello later", delivery.Text);
        Assert.Equal(messageId, delivery.MessageId);
        Assert.Equal(correlationId, delivery.CorrelationId);
        Assert.Equal("acme", delivery.Headers["X-Tenant"]);
        Assert.Equal(42, Convert.ToInt32(delivery.Headers["X-Attempt-Budget"]));
        Assert.Equal(scheduled.TokenId.ToString("D"), delivery.Headers[MessageHeaders.SchedulingTokenId]?.ToString());
        Assert.Equal(MessageUrn.ForTypeString<ScheduledProbe>(), delivery.MessageTypes[0]);
        Assert.Contains(MessageUrn.ForTypeString<IScheduledProbe>(), delivery.MessageTypes);
        // The interface consumer only sees it if the interface's URN came through too.
        Assert.Single(await fixture.Bus.Deliveries.WaitForAsync(id, 1, Patience, nameof(IScheduledProbe)));

        await Task.Delay(1000);
        Assert.Single(fixture.Bus.Deliveries.Of(id));
    }

    [Fact]
    public async Task A_cancelled_scheduled_message_never_arrives()
    {
        var cancelled = Guid.NewGuid();
        var control = Guid.NewGuid();
        var at = DateTime.UtcNow.AddSeconds(2);

        await fixture.Bus.WithScheduler(async scheduler =>
        {
            var handle = await scheduler.ScheduleSend(SchedulerTestBus.ProbeAddress, at, new ScheduledProbe(cancelled, "cancel me"));
            await scheduler.ScheduleSend(SchedulerTestBus.ProbeAddress, at.AddMilliseconds(500), new ScheduledProbe(control, "control"));
            await scheduler.CancelScheduledSend(SchedulerTestBus.ProbeAddress, handle.TokenId);
            return handle;
        });

        await fixture.Bus.Deliveries.WaitForAsync(control, 1, Patience);
        await Task.Delay(1500);
        Assert.Empty(fixture.Bus.Deliveries.Of(cancelled));
    }

    [Fact]
    public async Task A_cancel_consumed_before_its_schedule_still_cancels_it()
    {
        var tokenId = NewId.NextGuid();
        var cancelled = Guid.NewGuid();
        var control = Guid.NewGuid();
        var scheduler = await fixture.Bus.Bus.GetSendEndpoint(MessageScheduling.Address);
        var destination = new Uri(fixture.Bus.Bus.Address, SchedulerTestBus.ProbeQueue);

        // As when a cancel and its schedule leave different processes: the cancel is queued first.
        await scheduler.Send<CancelScheduledMessage>(new { CorrelationId = NewId.NextGuid(), Timestamp = DateTime.UtcNow, TokenId = tokenId });
        await scheduler.Send<ScheduleMessage>(new ScheduleMessageCommand<ScheduledProbe>(DateTime.UtcNow.AddSeconds(1), destination,
            new ScheduledProbe(cancelled, "cancelled before it was scheduled"), tokenId));
        await fixture.Bus.WithScheduler(s => s.ScheduleSend(SchedulerTestBus.ProbeAddress, DateTime.UtcNow.AddSeconds(1.5), new ScheduledProbe(control, "control")));

        await fixture.Bus.Deliveries.WaitForAsync(control, 1, Patience);
        await Task.Delay(1000);
        Assert.Empty(fixture.Bus.Deliveries.Of(cancelled));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM scheduler.cancelled_tokens WHERE token_id = @token", tokenId));
    }

    [Fact]
    public async Task A_message_scheduled_in_the_past_is_sent_at_once()
    {
        var id = Guid.NewGuid();
        var started = DateTime.UtcNow;

        await fixture.Bus.WithScheduler(s => s.ScheduleSend(SchedulerTestBus.ProbeAddress, started.AddMinutes(-5), new ScheduledProbe(id, "overdue")));

        var delivery = Assert.Single(await fixture.Bus.Deliveries.WaitForAsync(id, 1, Patience));
        output.WriteLine($"overdue message sent {(delivery.ReceivedAt - started).TotalMilliseconds:F0} ms after it was scheduled");
    }

    [Fact]
    public async Task A_message_whose_send_fails_is_kept_and_retried_with_back_off_until_cancelled()
    {
        var id = Guid.NewGuid();
        // The probe exchange exists as fanout: declaring it as topic fails every send (406), as RabbitMQ being down would.
        var unreachable = new Uri($"exchange:{SchedulerTestBus.ProbeQueue}?type=topic");
        var due = DateTime.UtcNow.AddMilliseconds(500);
        var scheduled = await fixture.Bus.WithScheduler(s => s.ScheduleSend(unreachable, due, new ScheduledProbe(id, "unreachable")));

        // Its first send gives up after SendTimeout; the retry comes 1 s later and is still sending.
        var waited = fixture.System.SendTimeout + TimeSpan.FromSeconds(2.5);
        await Task.Delay(due - DateTime.UtcNow + waited);
        var (state, retryAttempt) = await TriggerAsync(scheduled.TokenId);
        output.WriteLine($"{waited.TotalSeconds} s after it was due: trigger {state}, retry attempt {retryAttempt}");
        Assert.NotNull(state);
        Assert.InRange(retryAttempt ?? 0, 1, 3);

        await fixture.Bus.WithScheduler(async s =>
        {
            await s.CancelScheduledSend(unreachable, scheduled.TokenId);
            return 0;
        });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await TriggerAsync(scheduled.TokenId)).State is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the cancelled trigger is still stored");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_recurring_message_fires_on_its_cron_pauses_resumes_and_stops_when_cancelled()
    {
        var id = Guid.NewGuid();
        var schedule = new EverySecond($"probe-{id:N}");
        var destination = new Uri(fixture.Bus.Bus.Address, SchedulerTestBus.ProbeQueue);

        await fixture.Bus.WithRecurringScheduler(s => s.ScheduleRecurringSend(destination, schedule, new ScheduledProbe(id, "tick")));
        // The first tick may be a late one (the schedule arrived after its first second), the second right behind it.
        var ticks = await fixture.Bus.Deliveries.WaitForAsync(id, 3, Patience);
        // The times they were due, stamped by the Scheduler: arrival times drift with the machine's load.
        Assert.Equal(TimeSpan.FromSeconds(1), ticks[2].ScheduledAt - ticks[1].ScheduledAt);
        Assert.NotEqual(ticks[0].MessageId, ticks[1].MessageId);
        Assert.Equal(schedule.ScheduleId, ticks[0].Headers[MessageHeaders.Quartz.ScheduleId]?.ToString());

        await fixture.Bus.WithRecurringScheduler(s => s.PauseScheduledRecurringSend(schedule.ScheduleId, schedule.ScheduleGroup));
        await WaitUntilRecurringTriggerIsAsync(schedule.ScheduleId, "PAUSED");
        await Task.Delay(1000);
        var paused = fixture.Bus.Deliveries.Of(id).Count;
        await Task.Delay(2500);
        Assert.Equal(paused, fixture.Bus.Deliveries.Of(id).Count);

        await fixture.Bus.WithRecurringScheduler(s => s.ResumeScheduledRecurringSend(schedule.ScheduleId, schedule.ScheduleGroup));
        await fixture.Bus.Deliveries.WaitForAsync(id, paused + 1, Patience);

        await fixture.Bus.WithRecurringScheduler(s => s.CancelScheduledRecurringSend(schedule.ScheduleId, schedule.ScheduleGroup));
        await WaitUntilRecurringTriggerIsAsync(schedule.ScheduleId, null);
        await Task.Delay(1000);
        var cancelled = fixture.Bus.Deliveries.Of(id).Count;
        await Task.Delay(2500);
        Assert.Equal(cancelled, fixture.Bus.Deliveries.Of(id).Count);
    }

    /// <summary>
    /// The control message is applied asynchronously, and Quartz retries a deadlocked store operation a second later: wait
    /// for its effect in the store (a <paramref name="state"/> of null: the trigger is gone), not for a fixed time.
    /// </summary>
    private async Task WaitUntilRecurringTriggerIsAsync(string scheduleId, string? state)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var (current, _) = await TriggerAsync(scheduleId);
            if (current == state)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"recurring trigger {scheduleId} is {current ?? "gone"}, never {state ?? "gone"}");
            await Task.Delay(50);
        }
    }

    private Task<(string? State, int? RetryAttempt)> TriggerAsync(Guid token) => TriggerAsync(token.ToString("D"));

    /// <summary>A trigger's stored state by its name: a scheduled message's token, or a recurring schedule's id.</summary>
    private async Task<(string? State, int? RetryAttempt)> TriggerAsync(string name)
    {
        await using var connection = new NpgsqlConnection(fixture.System.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT trigger_state, retry_attempt FROM scheduler.qrtz_triggers WHERE trigger_name = @name", connection);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1)) : (null, null);
    }

    private async Task<long> CountAsync(string sql, Guid token)
    {
        await using var connection = new NpgsqlConnection(fixture.System.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("token", token);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class EverySecond : DefaultRecurringSchedule
    {
        public EverySecond(string scheduleId)
        {
            ScheduleId = scheduleId;
            ScheduleGroup = "scheduler-tests";
            CronExpression = "* * * * * ?";
            TimeZoneId = "UTC";
            StartTime = DateTimeOffset.UtcNow;
        }
    }
}
