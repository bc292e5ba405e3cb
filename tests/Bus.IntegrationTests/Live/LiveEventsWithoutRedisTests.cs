using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Bus.IntegrationTests.Live;

/// <summary>
/// A Gateway whose Redis is unreachable: the saga does not wait for it, and every committed change is kept in
/// <c>task-events</c> for the relay, which retries and then sets it aside in <c>task-events_error</c>. The broker starts
/// with the binding older Gateways made from the published <c>TaskStatusChanged</c> to <c>task-events</c>.
/// </summary>
public sealed class LiveEventsWithoutRedisTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private string _database = "";
    private WebApplicationFactory<Program> _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        // What Gateways before 2026-12 left in the broker: every published change routed to task-events.
        await _rabbit.BindExchangesAsync(_virtualHost, "Bus.Contracts.Tasks:TaskStatusChanged", "task-events");
        _database = await TestEnvironment.CreateDatabaseAsync("bus_live_noredis");
        _gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseTestBroker(_virtualHost);
            web.UseSetting("Postgres:ConnectionString", _database);
            web.UseSetting("Postgres:MigrateOnStart", "true");
            web.UseSetting("Redis:ConnectionString", $"127.0.0.1:{FreePort.Next()},connectTimeout=200");
            web.UseSetting("LiveEvents:SubscribeTimeout", "00:00:00.200");
            for (var i = 0; i < 4; i++)
                web.UseSetting($"Queues:task-events:RetryIntervals:{i}", "00:00:00.050");
        });
        _client = _gateway.CreateClientFor(GatewayRoles.Producer);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    [Fact]
    public async Task A_change_committed_while_Redis_is_unreachable_is_queued_once_for_the_relay_and_the_task_goes_on()
    {
        var response = await _client.PostAsJsonAsync("/tasks", new
        {
            type = "email_notification",
            data = new { to = new[] { "live@example.com" }, subject = "live", body = "no redis" },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();

        var setAside = await WaitForChangesOfAsync(taskId);
        var change = JsonDocument.Parse(Assert.Single(setAside).Payload).RootElement.GetProperty("message");
        Assert.Equal("Queued", change.GetProperty("status").GetString());
        // Queued for the relay, and dispatched to its worker: Redis is not in the saga's way.
        var task = await _client.GetFromJsonAsync<JsonElement>($"/tasks/{taskId}");
        Assert.Equal("Queued", task.GetProperty("status").GetString());
        Assert.Single(await _rabbit.PeekAsync(_virtualHost, "email"));
        // Published for other services as well, but that copy does not reach task-events (the old binding was removed at
        // start): one copy only.
        await Task.Delay(500);
        Assert.Single(await ChangesOfAsync(taskId));
    }

    [Fact]
    public async Task Without_its_Redis_subscription_the_replica_refuses_live_subscriptions_rather_than_miss_changes()
    {
        await using var hub = await TaskHubClient.ConnectAsync(_gateway.Server);

        var refused = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("SubscribeAll"));
        Assert.Contains("not available on this replica", refused.Message);
        using var stream = await _client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stream.StatusCode);
    }

    private async Task<IReadOnlyList<QueuedMessage>> WaitForChangesOfAsync(Guid taskId)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var changes = await ChangesOfAsync(taskId);
            if (changes.Count > 0)
                return changes;
            Assert.True(DateTime.UtcNow < deadline, $"no change of task {taskId} reached task-events_error");
            await Task.Delay(100);
        }
    }

    private async Task<List<QueuedMessage>> ChangesOfAsync(Guid taskId) =>
        [.. (await _rabbit.PeekAsync(_virtualHost, "task-events_error")).Where(m => m.Payload.Contains(taskId.ToString("D")))];
}
