using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Bus.Gateway.Persistence;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Bus.IntegrationTests.Scheduler;
using Bus.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.Priority;

/// <summary>
/// The Gateway in-process and a real Scheduler process on a virtual host and database of their own; each test starts
/// its own worker (<see cref="PriorityWorker"/>) when it wants queue <c>email</c> consumed.
/// </summary>
public sealed class PrioritySystem : IAsyncLifetime
{
    public SchedulerTestSystem System { get; private set; } = null!;
    public HttpClient Gateway { get; private set; } = null!;
    private WebApplicationFactory<Program> _factory = null!;

    public string VirtualHost => System.VirtualHost;

    public async Task InitializeAsync()
    {
        System = await SchedulerTestSystem.CreateAsync();
        await System.StartSchedulerAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseTestBroker(System.VirtualHost)
            .UseSetting("Postgres:ConnectionString", System.ConnectionString));
        Gateway = _factory.CreateClientFor(GatewayRoles.Producer);
        Gateway.Timeout = TimeSpan.FromSeconds(30);
        await using (var scope = _factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<TaskDbContext>().Database.MigrateAsync();
        // Warm: a delayed task's first request must not take so long that its time has passed before the saga sees it.
        (await Gateway.GetAsync("/tasks?limit=1")).EnsureSuccessStatusCode();
    }

    public Task<PriorityWorker> StartWorkerAsync() => PriorityWorker.StartAsync(VirtualHost, System.ConnectionString);

    public async Task<(Guid TaskId, string Status)> SubmitAsync(object task)
    {
        var response = await Gateway.PostAsJsonAsync("/tasks", task);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return (json.RootElement.GetProperty("taskId").GetGuid(), json.RootElement.GetProperty("status").GetString()!);
    }

    public async Task<JsonElement> WaitForStatusAsync(Guid taskId, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var json = JsonDocument.Parse(await Gateway.GetStringAsync($"/tasks/{taskId}"));
            if (json.RootElement.GetProperty("status").GetString() == status)
                return json.RootElement.Clone();
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"task {taskId} is {json.RootElement.GetProperty("status").GetString()}, not {status}, after {timeout.TotalSeconds} s; Scheduler logs: {System.Logs}");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        Gateway.Dispose();
        await _factory.DisposeAsync();
        await System.DisposeAsync();
    }
}

[Collection(SchedulerProcessesCollection.Name)]
public sealed class TaskPriorityTests(PrioritySystem system, ITestOutputHelper output) : IClassFixture<PrioritySystem>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_priority_10_task_submitted_behind_a_backlog_of_priority_0_tasks_runs_before_them()
    {
        const int backlog = 20;
        var run = Guid.NewGuid().ToString("N")[..8];
        var lowIds = new List<Guid>();
        for (var i = 0; i < backlog; i++)
            lowIds.Add((await system.SubmitAsync(Email($"backlog-{run}-{i}", priority: 0))).TaskId);
        var (urgentId, _) = await system.SubmitAsync(Email($"urgent-{run}", priority: 10));
        var ours = lowIds.Append(urgentId).ToHashSet();
        // Every command waits in the queue before anything consumes it.
        await BrokerQueueProbe.WaitForAsync(system.VirtualHost, QueueNames.Email, q => q.Messages >= backlog + 1, Patience);

        await using var worker = await system.StartWorkerAsync();
        await worker.Received.WaitForAsync(r => ours.Contains(r.TaskId), backlog + 1, Patience);

        var order = worker.Received.All.Where(r => ours.Contains(r.TaskId)).ToList();
        output.WriteLine(string.Join(", ", order.Select(r => $"{r.Subject}:{r.Priority}")));
        Assert.Equal(urgentId, order[0].TaskId);
        Assert.Equal(10, order[0].Priority);
        // Within one priority RabbitMQ keeps FIFO: the backlog follows in the order it was submitted.
        Assert.Equal(lowIds, order.Skip(1).Select(r => r.TaskId));
        Assert.All(order.Skip(1), r => Assert.Equal(0, r.Priority));
        var urgent = await system.WaitForStatusAsync(urgentId, "Completed", Patience);
        Assert.Equal(10, urgent.GetProperty("priority").GetInt32());
    }

    [Fact]
    public async Task A_delayed_task_keeps_its_priority_through_the_scheduler()
    {
        await using var worker = await system.StartWorkerAsync();
        var subject = $"delayed-{Guid.NewGuid():N}";

        var (taskId, status) = await system.SubmitAsync(Email(subject, priority: 7, delay: 3000));
        Assert.Equal("Scheduled", status);

        var delivery = Assert.Single(await worker.Received.WaitForAsync(r => r.TaskId == taskId, 1, Patience));
        Assert.Equal(7, delivery.Priority);
        await system.WaitForStatusAsync(taskId, "Completed", Patience);
    }

    [Fact]
    public async Task A_task_redelivered_through_the_scheduler_keeps_its_priority()
    {
        await using var worker = await system.StartWorkerAsync();
        var subject = $"{RecordingEmailConsumer.FailFirstDelivery}-{Guid.NewGuid():N}";

        var (taskId, _) = await system.SubmitAsync(Email(subject, priority: 8));

        var redelivered = await worker.Received.WaitForAsync(r => r.TaskId == taskId && r.Redelivery == 1, 1, Patience);
        Assert.All(worker.Received.All.Where(r => r.TaskId == taskId), r => Assert.Equal(8, r.Priority));
        Assert.Equal(8, Assert.Single(redelivered).Priority);
        await system.WaitForStatusAsync(taskId, "Completed", Patience);
    }

    private static object Email(string subject, int priority, int? delay = null) => delay is { } ms
        ? new { type = "email_notification", priority, delay = ms, data = new { to = new[] { "priority@example.com" }, subject, body = "b" } }
        : new { type = "email_notification", priority, data = new { to = new[] { "priority@example.com" }, subject, body = "b" } };
}
