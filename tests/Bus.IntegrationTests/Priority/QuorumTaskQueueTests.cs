using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Bus.IntegrationTests.Priority;

/// <summary>
/// Queue <c>email</c> configured as a quorum queue (<c>Queues:email:Type</c>) for both the Gateway, which declares it, and
/// the worker that consumes it, on a virtual host and database of their own: declared as quorum, and tasks still flow.
/// </summary>
public sealed class QuorumTaskQueueTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Quorum = new() { [$"Queues:{QueueNames.Email}:Type"] = "Quorum" };

    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-quorum-{Guid.NewGuid():N}"[..22];
    private string _database = "";
    private WebApplicationFactory<Program> _gateway = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_quorum");
        _gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseTestBroker(_virtualHost)
                .UseSetting("Postgres:ConnectionString", _database)
                .UseSetting("Postgres:MigrateOnStart", "true");
            foreach (var (key, value) in Quorum)
                web.UseSetting(key, value);
        });
        _ = _gateway.Services;
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    [Fact]
    public async Task A_queue_configured_as_quorum_is_declared_as_quorum_by_the_gateway_and_its_worker_and_its_tasks_complete()
    {
        var declared = await QueueAsync(QueueNames.Email);
        Assert.Equal("quorum", declared.GetProperty("type").GetString());
        Assert.False(declared.GetProperty("arguments").TryGetProperty("x-max-priority", out _), declared.GetProperty("arguments").ToString());
        // The other task queues keep the default: classic with priorities.
        Assert.Equal("classic", (await QueueAsync(QueueNames.Media)).GetProperty("type").GetString());

        // The worker declares the same queue from the same setting (a difference would fail its endpoint with 406).
        await using var worker = await PriorityWorker.StartAsync(_virtualHost, _database, Quorum);
        using var client = _gateway.CreateClientFor(GatewayRoles.Producer);
        var submitted = await client.PostAsJsonAsync("/tasks", new
        {
            type = "email_notification",
            priority = 5,
            data = new { to = new[] { "quorum@example.com" }, subject = "on a quorum queue", body = "b" },
        });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var taskId = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("taskId").GetGuid();

        await WaitForStatusAsync(client, taskId, "Completed");
        var delivery = Assert.Single(await worker.Received.WaitForAsync(r => r.TaskId == taskId, 1, TimeSpan.FromSeconds(30)));
        Assert.Equal("on a quorum queue", delivery.Subject);
        Assert.Equal("quorum", (await QueueAsync(QueueNames.Email)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_failed_task_on_a_quorum_queue_reaches_a_classic_error_queue()
    {
        await using var worker = await PriorityWorker.StartAsync(_virtualHost, _database, Quorum);
        var email = await worker.GetSendEndpointAsync(TaskRoutes.EmailNotification.Address);
        await email.Send(new Bus.Contracts.Email.SendEmail(Guid.NewGuid(), ["quorum@example.com"], RecordingEmailConsumer.FailPermanently, "b"));

        await BrokerQueueProbe.WaitForAsync(_virtualHost, $"{QueueNames.Email}_error", q => q.Messages >= 1, TimeSpan.FromSeconds(30));
        var errorQueue = await QueueAsync($"{QueueNames.Email}_error");
        Assert.Equal("classic", errorQueue.GetProperty("type").GetString());
        Assert.False(errorQueue.GetProperty("arguments").TryGetProperty("x-queue-type", out _), errorQueue.GetProperty("arguments").ToString());
    }

    private async Task<JsonElement> QueueAsync(string queue) =>
        await _rabbit.GetAsync($"queues/{Uri.EscapeDataString(_virtualHost)}/{queue}") ?? throw new Xunit.Sdk.XunitException($"queue {queue} was not declared");

    private static async Task WaitForStatusAsync(HttpClient client, Guid taskId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var json = JsonDocument.Parse(await client.GetStringAsync($"/tasks/{taskId}"));
            var current = json.RootElement.GetProperty("status").GetString();
            if (current == status)
                return;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"task {taskId} is {current}, not {status}, after 60 s");
            await Task.Delay(100);
        }
    }
}
