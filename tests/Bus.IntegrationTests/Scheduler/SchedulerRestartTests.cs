using Npgsql;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.Scheduler;

/// <summary>Nothing scheduled lives in a Scheduler's memory: every replica can die and the messages still go out.</summary>
[Collection(SchedulerProcessesCollection.Name)]
public sealed class SchedulerRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SchedulerTestSystem _system = null!;
    private SchedulerTestBus _bus = null!;

    public async Task InitializeAsync()
    {
        _system = await SchedulerTestSystem.CreateAsync();
        await _system.StartSchedulerAsync();
        _bus = await SchedulerTestBus.StartAsync(_system);
    }

    public async Task DisposeAsync()
    {
        await _bus.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task Messages_scheduled_before_and_while_every_Scheduler_is_down_are_delivered_once_one_starts()
    {
        var dueWhileDown = (Id: Guid.NewGuid(), At: DateTime.UtcNow.AddSeconds(3));
        var dueAfterRestart = (Id: Guid.NewGuid(), At: DateTime.UtcNow.AddSeconds(14));
        var first = await ScheduleAsync(dueWhileDown.Id, dueWhileDown.At);
        var second = await ScheduleAsync(dueAfterRestart.Id, dueAfterRestart.At);
        await WaitUntilStoredAsync(first, second);

        await _system.KillSchedulersAsync();
        var scheduledWhileDown = (Id: Guid.NewGuid(), At: DateTime.UtcNow.AddSeconds(1));
        await ScheduleAsync(scheduledWhileDown.Id, scheduledWhileDown.At);
        await Task.Delay(dueWhileDown.At - DateTime.UtcNow + TimeSpan.FromSeconds(1));
        Assert.Empty(_bus.Deliveries.Of(dueWhileDown.Id));

        var restarted = DateTime.UtcNow;
        await _system.StartSchedulerAsync();

        foreach (var (id, at) in new[] { dueWhileDown, scheduledWhileDown, dueAfterRestart })
        {
            var delivery = Assert.Single(await _bus.Deliveries.WaitForAsync(id, 1, TimeSpan.FromSeconds(20)));
            Assert.True(delivery.ReceivedAt >= at, $"arrived {(at - delivery.ReceivedAt).TotalMilliseconds:F0} ms early");
            output.WriteLine($"due {at:HH:mm:ss.fff}, restarted {restarted:HH:mm:ss.fff}, arrived {delivery.ReceivedAt:HH:mm:ss.fff}: " +
                $"{(delivery.ReceivedAt - at).TotalMilliseconds:F0} ms after its time");
        }
        await Task.Delay(1000);
        Assert.All(new[] { dueWhileDown.Id, scheduledWhileDown.Id, dueAfterRestart.Id }, id => Assert.Single(_bus.Deliveries.Of(id)));
    }

    [Fact]
    public async Task A_Scheduler_stopped_gracefully_while_messages_arrive_and_fire_loses_none_and_faults_none()
    {
        var start = DateTime.UtcNow;
        // Some fire while it stops, the rest after a new one started; the stop lands in the middle of the sends.
        var messages = Enumerable.Range(0, 120).Select(i => (Id: Guid.NewGuid(), At: start.AddMilliseconds(300 + 40 * i))).ToList();
        var sending = _bus.WithScheduler(async scheduler =>
        {
            foreach (var (id, at) in messages)
                await scheduler.ScheduleSend(SchedulerTestBus.ProbeAddress, at, new ScheduledProbe(id, "graceful"));
            return 0;
        });
        await Task.Delay(800);

        var stopping = DateTime.UtcNow;
        var stopped = _system.Schedulers[0];
        await _system.StopSchedulerGracefullyAsync(stopped, TimeSpan.FromSeconds(30));
        output.WriteLine($"stopped in {(DateTime.UtcNow - stopping).TotalMilliseconds:F0} ms; {messages.Count(m => _bus.Deliveries.Of(m.Id).Count > 0)} delivered by then");
        await sending;
        await _system.StartSchedulerAsync();

        foreach (var (id, at) in messages)
        {
            var delivery = (await _bus.Deliveries.WaitForAsync(id, 1, TimeSpan.FromSeconds(20)))[0];
            Assert.True(delivery.ReceivedAt >= at, $"arrived {(at - delivery.ReceivedAt).TotalMilliseconds:F0} ms early");
        }
        await Task.Delay(1000);
        Assert.All(messages, m => Assert.Single(_bus.Deliveries.Of(m.Id)));
        Assert.Empty(await _system.Rabbit.PeekAsync(_system.VirtualHost, "scheduler_error"));
        var log = await File.ReadAllTextAsync(stopped.LogPath);
        Assert.Contains("Quartz in standby for shutdown; 0 firing(s)", log);
        Assert.DoesNotContain("could not be sent", log);
    }

    private Task<Guid> ScheduleAsync(Guid id, DateTime at) =>
        _bus.WithScheduler(async scheduler =>
            (await scheduler.ScheduleSend(SchedulerTestBus.ProbeAddress, at, new ScheduledProbe(id, "survives restarts"))).TokenId);

    /// <summary>The kill must hit stored triggers, not ScheduleMessages still in the queue.</summary>
    private async Task WaitUntilStoredAsync(params Guid[] tokens)
    {
        await using var connection = new NpgsqlConnection(_system.ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM scheduler.qrtz_triggers WHERE trigger_name = ANY(@names)", connection);
            command.Parameters.AddWithValue("names", tokens.Select(t => t.ToString("D")).ToArray());
            if ((long)(await command.ExecuteScalarAsync())! == tokens.Length)
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"the Scheduler did not store {tokens.Length} triggers within 10 s; logs: {_system.Logs}");
            await Task.Delay(50);
        }
    }
}
