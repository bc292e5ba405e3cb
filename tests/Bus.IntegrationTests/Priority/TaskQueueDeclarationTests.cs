using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Bus.Gateway.Security;
using Bus.Contracts.Email;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using RabbitMQ.Client;

namespace Bus.IntegrationTests.Priority;

/// <summary>
/// The Gateway in-process on a virtual host where no worker has ever run: it declares every task queue itself, as the
/// workers do, so what is sent to a task exchange before the first worker starts is kept, not dropped; and with the
/// type each queue is configured with (<c>Queues:&lt;name&gt;:Type</c>), read from the setting its workers read.
/// </summary>
public sealed class TaskQueueDeclarationTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Quorum = new() { [$"Queues:{QueueNames.Email}:Type"] = "Quorum" };

    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-decl-{Guid.NewGuid():N}"[..21];
    private string _database = "";
    private WebApplicationFactory<Program> _gateway = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_decl");
        _gateway = StartGateway(_virtualHost, _database);
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
    public async Task The_gateway_declares_every_task_queue_with_priorities_and_binds_its_exchange_before_any_worker_ran()
    {
        foreach (var route in TaskRoutes.All)
        {
            var queue = await _rabbit.GetAsync($"queues/{Uri.EscapeDataString(_virtualHost)}/{route.Queue}");
            Assert.True(queue.HasValue, $"queue {route.Queue} was not declared");
            Assert.True(queue.Value.GetProperty("durable").GetBoolean());
            Assert.Equal(TaskQueueTopology.MaxPriority, queue.Value.GetProperty("arguments").GetProperty("x-max-priority").GetInt32());

            var bindings = await _rabbit.GetAsync($"queues/{Uri.EscapeDataString(_virtualHost)}/{route.Queue}/bindings");
            Assert.Contains(bindings!.Value.EnumerateArray(), b => b.GetProperty("source").GetString() == route.Queue);
        }
    }

    [Fact]
    public async Task A_command_sent_to_a_task_exchange_before_any_worker_ran_waits_for_the_first_worker_with_its_priority()
    {
        var taskId = Guid.NewGuid();
        var producer = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(
            TestEnvironment.RabbitHost, (ushort)TestEnvironment.RabbitPort, _virtualHost, host =>
            {
                host.Username(TestEnvironment.RabbitUser);
                host.Password(TestEnvironment.RabbitPassword);
            }));
        await producer.StartAsync();
        try
        {
            var endpoint = await producer.GetSendEndpoint(TaskRoutes.EmailNotification.Address);
            await endpoint.Send(new SendEmail(taskId, ["early@example.com"], "sent before any worker", "b"),
                context => TaskPriority.Apply(context, 3));
        }
        finally
        {
            await producer.StopAsync();
        }
        Assert.Equal(1u, (await BrokerQueueProbe.GetAsync(_virtualHost, QueueNames.Email)).Messages);

        // The worker declares the same queue with the same arguments (a difference would fail its endpoint with 406).
        await using var worker = await PriorityWorker.StartAsync(_virtualHost, _database);

        var delivery = Assert.Single(await worker.Received.WaitForAsync(r => r.TaskId == taskId, 1, TimeSpan.FromSeconds(30)));
        Assert.Equal(3, delivery.Priority);
        // Its error queue (declared with the first fault) stays a plain queue, as one holding failed messages already is.
        var email = await worker.GetSendEndpointAsync(TaskRoutes.EmailNotification.Address);
        await email.Send(new SendEmail(Guid.NewGuid(), ["early@example.com"], RecordingEmailConsumer.FailPermanently, "b"));
        await BrokerQueueProbe.WaitForAsync(_virtualHost, $"{QueueNames.Email}_error", q => q.Messages >= 1, TimeSpan.FromSeconds(30));
        var errorQueue = await _rabbit.GetAsync($"queues/{Uri.EscapeDataString(_virtualHost)}/{QueueNames.Email}_error");
        Assert.True(errorQueue.HasValue, "the worker declares email_error");
        Assert.False(errorQueue.Value.GetProperty("arguments").TryGetProperty("x-max-priority", out _), errorQueue.Value.GetProperty("arguments").ToString());
    }

    [Fact]
    public async Task A_task_queue_declared_earlier_without_priorities_stops_the_gateway_at_start_naming_the_operator_step()
    {
        var virtualHost = $"bus-old-{Guid.NewGuid():N}"[..20];
        await _rabbit.CreateVirtualHostAsync(virtualHost);
        try
        {
            await using (var connection = await BrokerQueueProbe.Factory(virtualHost).CreateConnectionAsync())
            await using (var channel = await connection.CreateChannelAsync())
                await channel.QueueDeclareAsync(QueueNames.Email, durable: true, exclusive: false, autoDelete: false);

            await using var gateway = StartGateway(virtualHost, _database);
            var failure = Record.Exception(() => gateway.Services);

            var conflict = Assert.IsType<TaskQueueConflictException>(Unwrap(failure));
            Assert.Contains($"'{QueueNames.Email}'", conflict.Message);
            Assert.Contains("README", conflict.Message);
        }
        finally
        {
            await _rabbit.DeleteVirtualHostAsync(virtualHost);
        }
    }

    private static WebApplicationFactory<Program> StartGateway(string virtualHost, string database, IReadOnlyDictionary<string, string?>? settings = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseTestBroker(virtualHost)
                .UseSetting("Postgres:ConnectionString", database)
                // The worker claims each attempt from the task saga, which needs its table.
                .UseSetting("Postgres:MigrateOnStart", "true");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
                web.UseSetting(key, value);
        });

    /// <summary>A virtual host of its own with a Gateway whose <c>email</c> queue is configured as quorum.</summary>
    private async Task<(string VirtualHost, WebApplicationFactory<Program> Gateway)> StartQuorumGatewayAsync()
    {
        var virtualHost = $"bus-quorum-{Guid.NewGuid():N}"[..22];
        await _rabbit.CreateVirtualHostAsync(virtualHost);
        var gateway = StartGateway(virtualHost, _database, Quorum);
        _ = gateway.Services;
        return (virtualHost, gateway);
    }

    private async Task<JsonElement> QueueAsync(string virtualHost, string queue) =>
        await _rabbit.GetAsync($"queues/{Uri.EscapeDataString(virtualHost)}/{queue}") ?? throw new Xunit.Sdk.XunitException($"queue {queue} was not declared");

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

    [Fact]
    public async Task A_queue_configured_as_quorum_is_declared_as_quorum_by_the_gateway_and_its_worker_and_its_tasks_complete()
    {
        var (virtualHost, gateway) = await StartQuorumGatewayAsync();
        try
        {
            var declared = await QueueAsync(virtualHost, QueueNames.Email);
            Assert.Equal("quorum", declared.GetProperty("type").GetString());
            Assert.False(declared.GetProperty("arguments").TryGetProperty("x-max-priority", out _), declared.GetProperty("arguments").ToString());
            // The other task queues keep the default: classic with priorities.
            Assert.Equal("classic", (await QueueAsync(virtualHost, QueueNames.Media)).GetProperty("type").GetString());

            // The worker declares the same queue from the same setting (a difference would fail its endpoint with 406).
            await using var worker = await PriorityWorker.StartAsync(virtualHost, _database, Quorum);
            using var client = gateway.CreateClientFor(GatewayRoles.Producer);
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

            // A task that fails for good reaches email_error, which stays a plain classic queue.
            var email = await worker.GetSendEndpointAsync(TaskRoutes.EmailNotification.Address);
            await email.Send(new SendEmail(Guid.NewGuid(), ["quorum@example.com"], RecordingEmailConsumer.FailPermanently, "b"));
            await BrokerQueueProbe.WaitForAsync(virtualHost, $"{QueueNames.Email}_error", q => q.Messages >= 1, TimeSpan.FromSeconds(30));
            var errorQueue = await QueueAsync(virtualHost, $"{QueueNames.Email}_error");
            Assert.Equal("classic", errorQueue.GetProperty("type").GetString());
            Assert.False(errorQueue.GetProperty("arguments").TryGetProperty("x-queue-type", out _), errorQueue.GetProperty("arguments").ToString());
        }
        finally
        {
            await gateway.DisposeAsync();
            await _rabbit.DeleteVirtualHostAsync(virtualHost);
        }
    }

    private static Exception? Unwrap(Exception? exception)
    {
        while (exception is AggregateException or TargetInvocationException && exception.InnerException is not null)
            exception = exception.InnerException;
        return exception;
    }
}
