using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.Scheduler;

/// <summary>Two Scheduler replicas on one database: Quartz's cluster lock hands each trigger to one of them.</summary>
[Collection(SchedulerProcessesCollection.Name)]
public sealed class SchedulerClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SchedulerTestSystem _system = null!;
    private SchedulerTestBus _bus = null!;

    public async Task InitializeAsync()
    {
        _system = await SchedulerTestSystem.CreateAsync();
        // One after the other: the first to subscribe is the scheduler queue's single active consumer.
        await _system.StartSchedulerAsync();
        await _system.StartSchedulerAsync();
        _bus = await SchedulerTestBus.StartAsync(_system);
    }

    public async Task DisposeAsync()
    {
        await _bus.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task The_scheduler_queue_has_one_active_consumer_taking_one_message_at_a_time()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{TestEnvironment.RabbitHost}:{TestEnvironment.RabbitManagementPort}/api/") };
        http.DefaultRequestHeaders.Authorization = new("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{TestEnvironment.RabbitUser}:{TestEnvironment.RabbitPassword}")));

        using var queue = JsonDocument.Parse(await http.GetStringAsync($"queues/{Uri.EscapeDataString(_system.VirtualHost)}/scheduler"));
        Assert.True(queue.RootElement.GetProperty("arguments").GetProperty("x-single-active-consumer").GetBoolean());
        Assert.True(queue.RootElement.GetProperty("durable").GetBoolean());

        // The management API's consumer list lags its statistics interval.
        var consumers = new List<JsonElement>();
        for (var deadline = DateTime.UtcNow.AddSeconds(15); consumers.Count < 2 && DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            using var all = JsonDocument.Parse(await http.GetStringAsync($"consumers/{Uri.EscapeDataString(_system.VirtualHost)}"));
            consumers = [.. all.RootElement.EnumerateArray().Where(c => c.GetProperty("queue").GetProperty("name").GetString() == "scheduler").Select(c => c.Clone())];
        }
        Assert.Equal(2, consumers.Count);
        Assert.All(consumers, consumer => Assert.Equal(1, consumer.GetProperty("prefetch_count").GetInt32()));
        Assert.Single(consumers, consumer => consumer.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Two_Schedulers_deliver_each_scheduled_message_exactly_once_and_never_early()
    {
        var start = DateTime.UtcNow.AddSeconds(2);
        var messages = Enumerable.Range(0, 40).Select(i => (Id: Guid.NewGuid(), At: start.AddMilliseconds(50 * i))).ToList();

        await _bus.WithScheduler(async scheduler =>
        {
            foreach (var (id, at) in messages)
                await scheduler.ScheduleSend(SchedulerTestBus.ProbeAddress, at, new ScheduledProbe(id, "once"));
            return 0;
        });

        var lateness = new List<double>();
        foreach (var (id, at) in messages)
        {
            var delivery = (await _bus.Deliveries.WaitForAsync(id, 1, TimeSpan.FromSeconds(20)))[0];
            Assert.True(delivery.ReceivedAt >= at, $"arrived {(at - delivery.ReceivedAt).TotalMilliseconds:F0} ms early");
            lateness.Add((delivery.ReceivedAt - at).TotalMilliseconds);
        }
        await Task.Delay(2000);
        Assert.All(messages, m => Assert.Single(_bus.Deliveries.Of(m.Id)));

        lateness.Sort();
        output.WriteLine($"{messages.Count} messages, two replicas: lateness median {lateness[lateness.Count / 2]:F0} ms, " +
            $"p90 {lateness[lateness.Count * 9 / 10]:F0} ms, max {lateness[^1]:F0} ms");
    }

    [Fact]
    public async Task When_the_replica_that_claimed_a_message_dies_the_other_one_sends_it()
    {
        var claimed = (Id: Guid.NewGuid(), At: DateTime.UtcNow.AddSeconds(3));
        var token = await _bus.WithScheduler(async s =>
            (await s.ScheduleSend(SchedulerTestBus.ProbeAddress, claimed.At, new ScheduledProbe(claimed.Id, "claimed"))).TokenId);

        // Quartz claims a trigger (ACQUIRED, a fired-trigger row naming the node) up to IdleWaitTime before it is due.
        var holder = await ClaimingReplicaAsync(token);
        await _system.KillSchedulerAsync(holder);
        var killedAt = DateTime.UtcNow;

        var after = (Id: Guid.NewGuid(), At: DateTime.UtcNow.AddSeconds(1));
        await _bus.WithScheduler(s => s.ScheduleSend(SchedulerTestBus.ProbeAddress, after.At, new ScheduledProbe(after.Id, "after")));

        foreach (var (name, id, at) in new[] { ("claimed by the dead replica", claimed.Id, claimed.At), ("scheduled after it died", after.Id, after.At) })
        {
            var delivery = Assert.Single(await _bus.Deliveries.WaitForAsync(id, 1, TimeSpan.FromSeconds(20)));
            Assert.True(delivery.ReceivedAt >= at, $"{name}: arrived {(at - delivery.ReceivedAt).TotalMilliseconds:F0} ms early");
            output.WriteLine($"{name}: due {(at - killedAt).TotalMilliseconds:F0} ms after the kill, arrived {(delivery.ReceivedAt - at).TotalMilliseconds:F0} ms after its time");
        }
        await Task.Delay(1000);
        Assert.Single(_bus.Deliveries.Of(claimed.Id));
    }

    private async Task<ServiceProcess> ClaimingReplicaAsync(Guid token)
    {
        await using var connection = new NpgsqlConnection(_system.ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand(
                "SELECT instance_name FROM scheduler.qrtz_fired_triggers WHERE trigger_name = @name AND state = 'ACQUIRED'", connection);
            command.Parameters.AddWithValue("name", token.ToString("D"));
            if (await command.ExecuteScalarAsync() is string instance)
            {
                foreach (var scheduler in _system.Schedulers)
                {
                    if ((await File.ReadAllTextAsync(scheduler.LogPath)).Contains(instance, StringComparison.Ordinal))
                        return scheduler;
                }
                Assert.Fail($"no Scheduler process logged instance id {instance}; logs: {_system.Logs}");
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no replica claimed {token} within 10 s; logs: {_system.Logs}");
    }
}
