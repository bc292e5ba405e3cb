using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Bus.IntegrationTests.Gateway;

/// <summary>
/// A submission the Gateway gave up waiting for (503) stays in <c>task-state</c> until a saga takes it, however late: the
/// saga may already have committed it when the broker went away, and only that message's redelivery dispatches the task.
/// </summary>
public sealed class LateSubmissionTests : IAsyncLifetime
{
    private static readonly TimeSpan SubmitTimeout = TimeSpan.FromSeconds(1);

    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private string _database = "";

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_late");
    }

    public async Task DisposeAsync()
    {
        await TestEnvironment.DropDatabaseAsync(_database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    [Fact]
    public async Task A_submission_answered_503_is_recorded_and_dispatched_when_the_saga_comes_back_long_after_the_timeout()
    {
        // The first start declares the queues and migrates; then no replica takes task-state.
        await using (var declaring = Gateway(processesMessages: true))
            declaring.CreateClient().Dispose();

        await using (var apiOnly = Gateway(processesMessages: false))
        {
            using var client = apiOnly.CreateClientFor(GatewayRoles.Producer);
            var refused = await client.PostAsJsonAsync("/tasks", new
            {
                type = "email_notification",
                data = new { to = new[] { "late@example.com" }, subject = "late", body = "b" },
            });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }
        await Task.Delay(SubmitTimeout * 3);
        Assert.Equal(1u, (await BrokerQueueProbe.GetAsync(_virtualHost, "task-state")).Messages);

        await using var processing = Gateway(processesMessages: true);
        using var reader = processing.CreateClientFor(GatewayRoles.Admin);
        var tasks = await WaitForTasksAsync(reader, TimeSpan.FromSeconds(30));

        var task = Assert.Single(tasks);
        Assert.Equal("Queued", task.GetProperty("status").GetString());
        var dispatched = await BrokerQueueProbe.WaitForAsync(_virtualHost, "email", q => q.Messages == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1u, dispatched.Messages);
    }

    private WebApplicationFactory<Program> Gateway(bool processesMessages) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseTestBroker(_virtualHost);
            web.UseSetting("Postgres:ConnectionString", _database);
            web.UseSetting("Postgres:MigrateOnStart", processesMessages ? "true" : "false");
            web.UseSetting("Redis:ConnectionString", TestEnvironment.RedisConnectionString);
            web.UseSetting("Redis:KeyPrefix", $"{_virtualHost}:");
            web.UseSetting("Gateway:ProcessMessages", processesMessages ? "true" : "false");
            web.UseSetting("Gateway:SubmitTimeout", SubmitTimeout.ToString("c"));
        });

    private static async Task<IReadOnlyList<JsonElement>> WaitForTasksAsync(HttpClient gateway, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var page = JsonDocument.Parse(await gateway.GetStringAsync("/tasks")).RootElement.Clone();
            var items = page.GetProperty("items").EnumerateArray().ToList();
            if (items.Count > 0 || DateTime.UtcNow >= deadline)
                return items;
            await Task.Delay(200);
        }
    }
}
