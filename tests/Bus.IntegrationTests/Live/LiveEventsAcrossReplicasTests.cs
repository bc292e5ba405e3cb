using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Bus.Contracts.Tasks;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.IntegrationTests.Live;

/// <summary>
/// Two Gateway replicas on one virtual host, database and Redis. Replica B processes every message (task saga, relay);
/// replica A runs with <c>Gateway:ProcessMessages=false</c>, so whatever its clients see came through B and Redis.
/// </summary>
public sealed class LiveEventsAcrossReplicasTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private readonly string _redisPrefix = $"bus-test-{Guid.NewGuid():N}:";
    private string _database = "";
    private WebApplicationFactory<Program> _processing = null!;
    private WebApplicationFactory<Program> _subscriberReplica = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_live");
        _processing = new WebApplicationFactory<Program>().WithWebHostBuilder(web => Configure(web, processesMessages: true));
        _processing.CreateClient().Dispose();
        _subscriberReplica = new WebApplicationFactory<Program>().WithWebHostBuilder(web => Configure(web, processesMessages: false));
        _client = _subscriberReplica.CreateClientFor(GatewayRoles.Producer);
        _client.Timeout = Timeout.InfiniteTimeSpan;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _subscriberReplica.DisposeAsync();
        await _processing.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    private void Configure(IWebHostBuilder web, bool processesMessages)
    {
        web.UseTestBroker(_virtualHost);
        web.UseSetting("Postgres:ConnectionString", _database);
        web.UseSetting("Postgres:MigrateOnStart", processesMessages ? "true" : "false");
        web.UseSetting("Redis:ConnectionString", TestEnvironment.RedisConnectionString);
        web.UseSetting("Redis:KeyPrefix", _redisPrefix);
        web.UseSetting("Gateway:ProcessMessages", processesMessages ? "true" : "false");
        web.UseSetting("LiveEvents:HeartbeatInterval", "00:00:01");
        web.UseSetting("Queues:task-state:RetryIntervals:0", "00:00:00.010");
    }

    [Fact]
    public async Task A_client_on_one_replica_sees_every_transition_of_a_task_whose_events_went_through_the_other()
    {
        var relayedFromQueue = new RelayedChanges();
        using var observing = _processing.Services.GetRequiredService<IBus>().ConnectConsumeMessageObserver(relayedFromQueue);
        var taskId = await SubmitAsync();
        await using var sse = await SseClient.OpenAsync(_client, $"/tasks/{taskId}/events", CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, sse.Response.StatusCode);
        Assert.Equal("text/event-stream", sse.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", sse.Response.Headers.CacheControl?.ToString());
        await using var hub = await ConnectHubAsync();
        var pushed = Channel.CreateUnbounded<JsonElement>();
        hub.On<JsonElement>("taskChanged", change => pushed.Writer.TryWrite(change));
        var current = await hub.InvokeAsync<JsonElement>("SubscribeTask", taskId);
        Assert.Equal("Queued", current.GetProperty("status").GetString());

        var received = new List<SseEvent> { (await sse.NextAsync(Wait))! };
        var hubReceived = new List<JsonElement>();
        var bus = _processing.Services.GetRequiredService<IBus>();
        foreach (var (message, expected) in new (object, string)[]
                 {
                     (new TaskStarted(taskId, "email_notification", "email"), "Running:0"),
                     (new TaskProgressed(taskId, 40, "copying"), "Running:40"),
                     (new TaskCompleted(taskId), "Completed:100"),
                 })
        {
            await bus.Publish(message);
            var next = await sse.NextAsync(Wait);
            Assert.True(next is not null, $"the stream ended before {expected}");
            Assert.Equal(expected, next.Summary);
            received.Add(next);
            var viaHub = await NewerThanAsync(pushed.Reader, current);
            current = viaHub;
            Assert.Equal(expected, $"{viaHub.GetProperty("status").GetString()}:{viaHub.GetProperty("progress").GetInt32()}");
            hubReceived.Add(viaHub);
        }

        Assert.Null(await sse.NextAsync(Wait));
        Assert.Equal(["Queued:0", "Running:0", "Running:40", "Completed:100"], received.Select(e => e.Summary));
        Assert.All(received, e => Assert.Equal("taskChanged", e.Event));
        Assert.All(received, e => Assert.Equal(taskId, e.Data.GetProperty("taskId").GetGuid()));
        Assert.Equal("copying", received[2].Data.GetProperty("progressMessage").GetString());
        Assert.Equal(1, received[^1].Data.GetProperty("attempts").GetInt32());
        Assert.Equal(received.Select(e => e.UpdatedAt).Order(), received.Select(e => e.UpdatedAt));
        Assert.Equal(received.Skip(1).Select(e => e.Data.GetProperty("updatedAt").GetDateTime()), hubReceived.Select(e => e.GetProperty("updatedAt").GetDateTime()));
        // Every change above went through replica B: A has no endpoint that could have taken it.
        Assert.Equal(["task-events", "task-faults", "task-state"], QueuesConsumedBy(_processing));
        Assert.Empty(QueuesConsumedBy(_subscriberReplica));
        // Straight from B's commits to Redis: with Redis up, nothing needed the task-events queue.
        Assert.Equal(0, relayedFromQueue.Count);
    }

    [Fact]
    public async Task A_change_whose_transaction_fails_is_never_sent()
    {
        var taskId = await SubmitAsync();
        await using var sse = await SseClient.OpenAsync(_client, $"/tasks/{taskId}/events", CancellationToken.None);
        Assert.Equal("Queued:0", (await sse.NextAsync(Wait))?.Summary);
        var bus = _processing.Services.GetRequiredService<IBus>();
        await bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        Assert.Equal("Running:0", (await sse.NextAsync(Wait))?.Summary);

        // The saga records progress 66 and publishes its change, then PostgreSQL refuses the row: the change must not leave.
        await ExecuteSqlAsync("""
            CREATE FUNCTION bus.refuse_66() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER refuse_66 BEFORE UPDATE ON bus.tasks FOR EACH ROW WHEN (NEW.progress = 66) EXECUTE FUNCTION bus.refuse_66();
            """);
        await bus.Publish(new TaskProgressed(taskId, 66));
        await WaitForErrorQueueAsync("task-state_error");
        await bus.Publish(new TaskProgressed(taskId, 70));

        Assert.Equal("Running:70", (await sse.NextAsync(Wait))?.Summary);
    }

    [Fact]
    public async Task The_stream_of_a_finished_task_sends_its_state_and_ends()
    {
        var taskId = await SubmitAsync();
        var bus = _processing.Services.GetRequiredService<IBus>();
        await bus.Publish(new TaskFailed(taskId, "SmtpException", "mailbox unavailable"));
        await WaitForStatusAsync(taskId, "Failed");

        await using var sse = await SseClient.OpenAsync(_client, $"/tasks/{taskId}/events", CancellationToken.None);
        var only = await sse.NextAsync(Wait);

        Assert.NotNull(only);
        Assert.Equal("Failed", only.Status);
        Assert.Equal("SmtpException", only.Data.GetProperty("error").GetProperty("type").GetString());
        Assert.Null(await sse.NextAsync(Wait));
    }

    [Fact]
    public async Task An_unknown_task_is_a_404_problem_for_the_stream_and_a_hub_error()
    {
        var unknown = Guid.NewGuid();
        var response = await _client.GetAsync($"/tasks/{unknown}/events");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());

        await using var hub = await ConnectHubAsync();
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<JsonElement>("SubscribeTask", unknown));
        Assert.Contains(unknown.ToString(), error.Message);
    }

    [Fact]
    public async Task The_all_tasks_stream_sends_every_task_and_its_filter_keeps_only_the_matching_ones()
    {
        await using var all = await SseClient.OpenAsync(_client, "/events", CancellationToken.None);
        await using var exports = await SseClient.OpenAsync(_client, "/events?queue=export", CancellationToken.None);
        await using var hub = await ConnectHubAsync();
        var pushed = Channel.CreateUnbounded<JsonElement>();
        hub.On<JsonElement>("taskChanged", change => pushed.Writer.TryWrite(change));
        await hub.InvokeAsync("SubscribeAll");
        var bus = _processing.Services.GetRequiredService<IBus>();

        var email = Guid.NewGuid();
        await bus.Publish(new TaskStarted(email, "email_notification", "email"));
        var first = await all.NextAsync(Wait);
        Assert.Equal(email, first?.Data.GetProperty("taskId").GetGuid());
        Assert.Equal(email, (await pushed.Reader.ReadAsync(new CancellationTokenSource(Wait).Token)).GetProperty("taskId").GetGuid());

        var export = Guid.NewGuid();
        await bus.Publish(new TaskStarted(export, "report_export", "export"));
        var second = await all.NextAsync(Wait);
        Assert.Equal(export, second?.Data.GetProperty("taskId").GetGuid());

        // The email task's change reached this replica first: had the filter let it through, it would come first.
        var filtered = await exports.NextAsync(Wait);
        Assert.Equal(export, filtered?.Data.GetProperty("taskId").GetGuid());
        Assert.Equal("export", filtered?.Data.GetProperty("queue").GetString());
    }

    [Fact]
    public async Task An_idle_stream_sends_heartbeat_comments_and_a_bad_filter_is_a_400_problem()
    {
        await using var all = await SseClient.OpenAsync(_client, "/events?type=nothing-has-this-type", CancellationToken.None);

        Assert.Equal(": heartbeat", await all.NextCommentAsync(Wait));

        var response = await _client.GetAsync($"/events?queue={new string('q', 201)}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>
    /// What a client does: keep a pushed change only if it is newer than the state it has (the subscription's answer
    /// included: the change that produced it may still be on its way).
    /// </summary>
    private static async Task<JsonElement> NewerThanAsync(ChannelReader<JsonElement> pushed, JsonElement current)
    {
        using var cancellation = new CancellationTokenSource(Wait);
        while (true)
        {
            var change = await pushed.ReadAsync(cancellation.Token);
            if (Micros(change) > Micros(current))
                return change;
        }
    }

    /// <summary>A change's updatedAt at PostgreSQL's precision (microseconds).</summary>
    private static long Micros(JsonElement change) => change.GetProperty("updatedAt").GetDateTime().ToUniversalTime().Ticks / 10;

    [Fact]
    public async Task A_change_older_than_one_already_relayed_is_skipped()
    {
        var type = $"gate-{Guid.NewGuid():N}";
        await using var stream = await SseClient.OpenAsync(_client, $"/events?type={type}", CancellationToken.None);
        var relayed = new RelayedChanges();
        var bus = _processing.Services.GetRequiredService<IBus>();
        using var observing = bus.ConnectConsumeMessageObserver(relayed);
        var taskId = Guid.NewGuid();
        var now = DateTime.UtcNow;
        TaskStatusChanged Change(int progress, DateTime updatedAt) =>
            new(taskId, type, "gate", "Running", progress, null, 1, null, null, null, now, now, null, updatedAt);

        var taskEvents = await bus.GetSendEndpoint(new Uri($"queue:{QueueNames.TaskEvents}"));
        await taskEvents.Send(Change(20, now.AddSeconds(2)));
        Assert.Equal(20, (await stream.NextAsync(Wait))?.Progress);
        // Concurrent relays took this task's changes out of order: the older one comes second.
        await taskEvents.Send(Change(10, now.AddSeconds(1)));
        await relayed.WaitForAsync(10, Wait);
        await taskEvents.Send(Change(30, now.AddSeconds(3)));

        Assert.Equal(30, (await stream.NextAsync(Wait))?.Progress);
    }

    [Fact]
    public async Task Health_reports_redis()
    {
        var health = await _client.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
    }

    private async Task<Guid> SubmitAsync()
    {
        var response = await _client.PostAsJsonAsync("/tasks", new
        {
            type = "email_notification",
            data = new { to = new[] { "live@example.com" }, subject = "live", body = "events" },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();
    }

    private async Task WaitForStatusAsync(Guid taskId, string status)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var task = await _client.GetFromJsonAsync<JsonElement>($"/tasks/{taskId}");
            if (task.GetProperty("status").GetString() == status)
                return;
            Assert.True(DateTime.UtcNow < deadline, $"task {taskId} is {task.GetProperty("status")}, never {status}");
            await Task.Delay(100);
        }
    }

    private async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task WaitForErrorQueueAsync(string queue)
    {
        var deadline = DateTime.UtcNow + Wait;
        while ((await _rabbit.PeekAsync(_virtualHost, queue)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"nothing reached {queue}");
            await Task.Delay(100);
        }
    }

    private Task<HubConnection> ConnectHubAsync() => TaskHubClient.ConnectAsync(_subscriberReplica.Server);

    /// <summary>Which progress values replica B's relay of queue task-events has finished with.</summary>
    private sealed class RelayedChanges : IConsumeMessageObserver<TaskStatusChanged>
    {
        private readonly Channel<int> _done = Channel.CreateUnbounded<int>();

        public int Count => _done.Reader.Count;

        public Task PreConsume(ConsumeContext<TaskStatusChanged> context) => Task.CompletedTask;

        public Task PostConsume(ConsumeContext<TaskStatusChanged> context) => _done.Writer.WriteAsync(context.Message.Progress).AsTask();

        public Task ConsumeFault(ConsumeContext<TaskStatusChanged> context, Exception exception) => Task.CompletedTask;

        public async Task WaitForAsync(int progress, TimeSpan timeout)
        {
            using var cancellation = new CancellationTokenSource(timeout);
            while (await _done.Reader.ReadAsync(cancellation.Token) != progress)
            {
            }
        }
    }

    /// <summary>The Gateway's own queues this replica's bus receives from (not its temporary response endpoint).</summary>
    private static List<string> QueuesConsumedBy(WebApplicationFactory<Program> replica) =>
    [
        .. replica.Services.GetRequiredService<IBusControl>().CheckHealth().Endpoints.Keys
            .Select(address => new Uri(address).AbsolutePath.Split('/')[^1])
            .Where(queue => queue is QueueNames.TaskState or QueueNames.TaskFaults or QueueNames.TaskEvents)
            .Order(),
    ];
}
