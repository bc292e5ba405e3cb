using System.Net;
using System.Text.Json;
using Bus.Gateway.Persistence;
using Bus.Gateway.Security;
using Bus.Gateway.Tasks;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.IntegrationTests.EndToEnd;

[Collection(RunningSystemCollection.Name)]
public sealed class QueueStatsEndToEndTests(RunningSystem system)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_email_queue_shows_its_consumer_and_the_completed_tasks()
    {
        var ids = await SubmitAndCompleteAsync(3);

        // The management API's numbers are samples (every 5 s by default): a consumer shows up within a few.
        var queue = await PollJsonAsync("/stats/queues/email", q => q.GetProperty("consumers").GetInt32() >= 1);

        Assert.Equal("email", queue.GetProperty("name").GetString());
        Assert.True(queue.GetProperty("brokerReachable").GetBoolean());
        Assert.True(queue.GetProperty("declared").GetBoolean());
        Assert.True(queue.GetProperty("consumers").GetInt32() >= 1, queue.ToString());
        Assert.True(queue.GetProperty("completed").GetInt32() >= ids.Count, queue.ToString());
        Assert.True(queue.GetProperty("waiting").GetInt64() >= 0);
        Assert.True(queue.GetProperty("errorQueueDepth").GetInt64() >= 0);

        var all = await GetJsonAsync("/stats/queues");
        Assert.Contains("email", all.EnumerateArray().Select(q => q.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_queue_that_is_not_a_task_queue_is_not_found()
    {
        using var cancellation = new CancellationTokenSource(Deadline);
        var response = await system.Gateway.GetAsync("/stats/queues/task-state", cancellation.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation.Token));
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task System_stats_count_the_submitted_tasks_and_their_throughput()
    {
        var ids = await SubmitAndCompleteAsync(2);

        var stats = await GetJsonAsync("/stats/system");

        var totals = stats.GetProperty("totals");
        Assert.True(totals.GetProperty("total").GetInt32() >= ids.Count, stats.ToString());
        Assert.True(totals.GetProperty("completed").GetInt32() >= ids.Count, stats.ToString());
        var minutes = stats.GetProperty("completedPerMinute").EnumerateArray().ToList();
        Assert.Equal(15, minutes.Count);
        Assert.True(minutes.Sum(m => m.GetProperty("completed").GetInt32()) >= ids.Count, stats.ToString());
        var hour = stats.GetProperty("lastHour");
        Assert.True(hour.GetProperty("completed").GetInt32() >= ids.Count, stats.ToString());
        Assert.InRange(hour.GetProperty("successRate").GetDouble(), 0.0, 1.0);
        var average = hour.GetProperty("averageProcessingMs").GetDouble();
        var p95 = hour.GetProperty("p95ProcessingMs").GetDouble();
        Assert.True(average >= 0 && p95 >= 0, stats.ToString());
    }

    [Fact]
    public async Task Health_reports_rabbitmq_postgres_and_the_email_queue()
    {
        var health = await PollJsonAsync("/health",
            h => h.GetProperty("checks").GetProperty("queues").GetProperty("email").GetProperty("consumers").GetInt32() >= 1);
        var body = health.ToString();

        Assert.Contains(health.GetProperty("status").GetString(), new[] { "Healthy", "Degraded" });
        var checks = health.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("rabbitmq").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("postgres").GetProperty("status").GetString());
        var email = checks.GetProperty("queues").GetProperty("email");
        Assert.True(email.GetProperty("consumers").GetInt32() >= 1, body);
        Assert.True(email.GetProperty("waiting").GetInt64() >= 0, body);
    }

    private async Task<IReadOnlyList<Guid>> SubmitAndCompleteAsync(int count)
    {
        var subject = $"stats-{Guid.NewGuid():N}";
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var response = await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { "stats@example.com" }, subject, body = $"{i}" } });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add(await RunningSystem.TaskIdOf(response));
        }
        foreach (var id in ids)
            await system.WaitForStatusAsync(id, "Completed", Deadline);
        return ids;
    }

    /// <summary>Answers 200 and, within <see cref="Deadline"/>, satisfies <paramref name="until"/>; the last answer either way.</summary>
    private async Task<JsonElement> PollJsonAsync(string path, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var answer = await GetJsonAsync(path);
            if (until(answer) || DateTime.UtcNow > deadline)
                return answer;
            await Task.Delay(250);
        }
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var cancellation = new CancellationTokenSource(Deadline);
        var response = await system.Gateway.GetAsync(path, cancellation.Token);
        var body = await response.Content.ReadAsStringAsync(cancellation.Token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

/// <summary>
/// The Gateway in-process on a database of known tasks, with the management API port closed: the broker part of the
/// stats is missing, the task store's numbers are exact, and nothing answers 500.
/// </summary>
public sealed class QueueStatsWithoutManagementApiTests : IAsyncLifetime
{
    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private string _database = "";
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_stats");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(Configure);
        _client = _factory.CreateClientFor(GatewayRoles.Admin);
        _client.Timeout = TimeSpan.FromSeconds(30);

        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TaskDbContext>();
        await db.Database.MigrateAsync();
        var now = DateTime.UtcNow;
        db.Tasks.AddRange(
            Row("Completed", now.AddMinutes(-1), TimeSpan.FromMilliseconds(100)),
            Row("Completed", now.AddMinutes(-1), TimeSpan.FromMilliseconds(200)),
            Row("Completed", now.AddMinutes(-1), TimeSpan.FromMilliseconds(300)),
            Row("Failed", now.AddMinutes(-2), TimeSpan.FromMilliseconds(50)),
            Row("Completed", now.AddHours(-2), TimeSpan.FromSeconds(10)),
            Row("Queued", null, null));
        await db.SaveChangesAsync();
    }

    private static TaskState Row(string status, DateTime? finishedAt, TimeSpan? took) => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = status,
        Type = "email_notification",
        Queue = "email",
        CreatedAt = (finishedAt ?? DateTime.UtcNow).AddSeconds(-30),
        StartedAt = finishedAt - took,
        FinishedAt = finishedAt,
        UpdatedAt = finishedAt ?? DateTime.UtcNow,
    };

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    private void Configure(IWebHostBuilder web)
    {
        web.UseTestBroker(_virtualHost);
        web.UseSetting("RabbitMq:ManagementPort", FreePort.Next().ToString());
        web.UseSetting("Postgres:ConnectionString", _database);
    }

    [Fact]
    public async Task Queue_stats_without_the_management_api_keep_the_task_counts_and_say_the_broker_is_unreachable()
    {
        var response = await _client.GetAsync("/stats/queues/email");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var queue = json.RootElement;
        Assert.False(queue.GetProperty("brokerReachable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, queue.GetProperty("waiting").ValueKind);
        Assert.Equal(JsonValueKind.Null, queue.GetProperty("consumers").ValueKind);
        Assert.Equal(JsonValueKind.Null, queue.GetProperty("errorQueueDepth").ValueKind);
        Assert.Equal(4, queue.GetProperty("completed").GetInt32());
        Assert.Equal(1, queue.GetProperty("failed").GetInt32());
        Assert.Equal(1, queue.GetProperty("queued").GetInt32());
    }

    [Fact]
    public async Task System_stats_aggregate_throughput_processing_time_and_success_rate_in_the_database()
    {
        var response = await _client.GetAsync("/stats/system");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        var stats = json.RootElement;
        Assert.Equal(6, stats.GetProperty("totals").GetProperty("total").GetInt32());
        Assert.Equal(4, stats.GetProperty("totals").GetProperty("completed").GetInt32());
        var minutes = stats.GetProperty("completedPerMinute").EnumerateArray().ToList();
        Assert.Equal(15, minutes.Count);
        Assert.Equal(3, minutes.Sum(m => m.GetProperty("completed").GetInt32()));
        var hour = stats.GetProperty("lastHour");
        Assert.Equal(3, hour.GetProperty("completed").GetInt32());
        Assert.Equal(1, hour.GetProperty("failed").GetInt32());
        Assert.Equal(0.75, hour.GetProperty("successRate").GetDouble(), 6);
        Assert.Equal(200, hour.GetProperty("averageProcessingMs").GetDouble(), 3);
        // percentile_cont interpolates: 95 % of the way from 100 ms to 300 ms in ranks is 290 ms.
        Assert.Equal(290, hour.GetProperty("p95ProcessingMs").GetDouble(), 3);
    }

    [Fact]
    public async Task Health_without_the_management_api_is_degraded_not_down()
    {
        var response = await _client.GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Degraded", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("checks").GetProperty("queues").GetProperty("email").GetProperty("consumers").ValueKind);
    }
}
