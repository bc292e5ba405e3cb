using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Bus.Gateway.Persistence;
using Bus.Gateway.Tasks;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults.QueueControl;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.IntegrationTests.Admin;

/// <summary>
/// The Gateway in-process on its own virtual host and database (no workers): the admin endpoints' answers to bad input,
/// cleaning and retrying against known task rows, the persisted pause as the stats show it, and the demo endpoint.
/// </summary>
public sealed class AdminEndpointTests : IAsyncLifetime
{
    private const string EmailData = """{"to":["retry@example.com"],"subject":"s","body":"b"}""";

    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private string _database = "";
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_admin");
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseTestBroker(_virtualHost)
            .UseSetting("Postgres:ConnectionString", _database)
            .UseSetting("Gateway:EnableDemoEndpoints", "true"));
        _client = _factory.CreateClientFor();
        _client.Timeout = TimeSpan.FromSeconds(60);

        await using var scope = _factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TaskDbContext>().Database.MigrateAsync();
        await QueuePauses.EnsureSchemaAsync(_database, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await TestEnvironment.DropDatabaseAsync(_database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    [Theory]
    [InlineData("POST", "/admin/queues/task-state/pause")]
    [InlineData("POST", "/admin/queues/nope/resume")]
    [InlineData("GET", "/admin/queues/email_error/errors")]
    [InlineData("POST", "/admin/queues/scheduler/errors/redeliver")]
    [InlineData("DELETE", "/admin/queues/nope/errors/7c9e6679-7425-40de-944b-e07fc1f90ae7")]
    [InlineData("POST", "/admin/queues/nope/clean/completed?gracePeriod=0")]
    [InlineData("POST", "/admin/queues/nope/clean/failed?gracePeriod=0")]
    public async Task A_queue_that_is_not_a_task_queue_is_a_404_problem(string method, string path)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("GET", "/admin/queues/email/errors?limit=0", null, "limit")]
    [InlineData("GET", "/admin/queues/email/errors?limit=101", null, "limit")]
    [InlineData("GET", "/admin/queues/email/errors?limit=ten", null, "limit")]
    [InlineData("GET", "/admin/queues/email/errors?offset=-1", null, "offset")]
    [InlineData("DELETE", "/admin/queues/email/errors/not-a-guid", null, "id")]
    [InlineData("POST", "/admin/queues/email/errors/redeliver", """{"messageIds":"all"}""", "messageIds")]
    [InlineData("POST", "/admin/queues/email/errors/redeliver", """{"messageIds":[]}""", "messageIds")]
    [InlineData("POST", "/admin/queues/email/errors/redeliver", """{"messageIds":["nope"]}""", "messageIds[0]")]
    [InlineData("POST", "/admin/queues/email/errors/redeliver", """{"messageIds":[""", "body")]
    [InlineData("POST", "/admin/queues/email/clean/completed", null, "gracePeriod")]
    [InlineData("POST", "/admin/queues/email/clean/completed?gracePeriod=-5", null, "gracePeriod")]
    [InlineData("POST", "/admin/queues/email/clean/failed?gracePeriod=1.5", null, "gracePeriod")]
    [InlineData("POST", "/admin/retry-failed?taskType=no_such_type", null, "taskType")]
    public async Task Bad_input_is_a_400_problem_naming_the_field(string method, string path, string? body, string field)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");

        var problem = await AssertProblemAsync(await _client.SendAsync(request), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors name {field}: {problem}");
    }

    [Fact]
    public async Task An_error_queue_that_never_received_a_fault_is_an_empty_page_and_its_ids_are_not_found()
    {
        var page = await ReadJsonAsync(await _client.GetAsync("/admin/queues/email/errors"));
        Assert.Equal(0, page.GetProperty("total").GetInt64());
        Assert.Equal("email_error", page.GetProperty("errorQueue").GetString());
        Assert.Equal(20, page.GetProperty("limit").GetInt32());
        Assert.Empty(page.GetProperty("messages").EnumerateArray());

        var unknown = Guid.NewGuid();
        await AssertProblemAsync(await _client.DeleteAsync($"/admin/queues/email/errors/{unknown}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _client.PostAsJsonAsync("/admin/queues/email/errors/redeliver", new { messageIds = new[] { unknown } }), HttpStatusCode.NotFound);
        var all = await ReadJsonAsync(await _client.PostAsync("/admin/queues/email/errors/redeliver", null));
        Assert.Equal(0, all.GetProperty("redelivered").GetInt32());
    }

    [Fact]
    public async Task A_paused_queue_shows_as_paused_in_the_stats_until_resumed()
    {
        var paused = await ReadJsonAsync(await _client.PostAsync("/admin/queues/email/pause", null));
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.True((await ReadJsonAsync(await _client.GetAsync("/stats/queues/email"))).GetProperty("paused").GetBoolean());
        Assert.True((await QueuePauses.GetPausedAsync(_database, CancellationToken.None)).ContainsKey("email"), "the pause is in PostgreSQL");

        var resumed = await ReadJsonAsync(await _client.PostAsync("/admin/queues/email/resume", null));
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        Assert.False((await ReadJsonAsync(await _client.GetAsync("/stats/queues/email"))).GetProperty("paused").GetBoolean());
        Assert.Empty(await QueuePauses.GetPausedAsync(_database, CancellationToken.None));
    }

    [Fact]
    public async Task Cleaning_removes_only_the_queues_tasks_of_that_status_older_than_the_grace_period()
    {
        var now = DateTime.UtcNow;
        var oldCompleted = Row("Completed", now.AddHours(-2));
        var recentCompleted = Row("Completed", now.AddMinutes(-1));
        var oldFailed = Row("Failed", now.AddHours(-2));
        var otherQueue = Row("Completed", now.AddHours(-2));
        otherQueue.Queue = "media";
        var running = Row("Running", null);
        await InsertAsync(oldCompleted, recentCompleted, oldFailed, otherQueue, running);

        var completed = await ReadJsonAsync(await _client.PostAsync("/admin/queues/email/clean/completed?gracePeriod=3600000", null));

        Assert.Equal(1, completed.GetProperty("removed").GetInt32());
        Assert.Equal(3_600_000, completed.GetProperty("gracePeriodMs").GetInt64());
        Assert.Equal([recentCompleted.CorrelationId, oldFailed.CorrelationId, otherQueue.CorrelationId, running.CorrelationId], await RemainingAsync(
            oldCompleted, recentCompleted, oldFailed, otherQueue, running));

        var failed = await ReadJsonAsync(await _client.PostAsync("/admin/queues/email/clean/failed?gracePeriod=0", null));

        Assert.Equal(1, failed.GetProperty("removed").GetInt32());
        Assert.Equal([recentCompleted.CorrelationId, otherQueue.CorrelationId, running.CorrelationId], await RemainingAsync(
            oldCompleted, recentCompleted, oldFailed, otherQueue, running));
    }

    [Fact]
    public async Task Retry_failed_retries_every_failed_task_of_the_type_and_says_how_many()
    {
        var failed = Enumerable.Range(0, 3).Select(_ => Row("Failed", DateTime.UtcNow.AddMinutes(-5))).ToArray();
        var completed = Row("Completed", DateTime.UtcNow.AddMinutes(-5));
        await InsertAsync([.. failed, completed]);

        var result = await ReadJsonAsync(await _client.PostAsync("/admin/retry-failed?taskType=email_notification", null));

        Assert.Equal(3, result.GetProperty("retried").GetInt32());
        Assert.Equal("email_notification", result.GetProperty("taskType").GetString());
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TaskDbContext>();
        var statuses = await db.Tasks.AsNoTracking().Where(t => failed.Select(f => f.CorrelationId).Contains(t.CorrelationId)).Select(t => t.CurrentState).ToListAsync();
        Assert.All(statuses, s => Assert.Equal("Queued", s));
        Assert.Equal("Completed", (await db.Tasks.AsNoTracking().SingleAsync(t => t.CorrelationId == completed.CorrelationId)).CurrentState);

        var none = await ReadJsonAsync(await _client.PostAsync("/admin/retry-failed", null));
        Assert.Equal(0, none.GetProperty("retried").GetInt32());
    }

    [Fact]
    public async Task Retry_failed_of_one_queue_leaves_the_other_queues_failed_tasks()
    {
        var email = Row("Failed", DateTime.UtcNow.AddMinutes(-5));
        var media = Row("Failed", DateTime.UtcNow.AddMinutes(-5));
        media.Queue = "media";
        await InsertAsync(email, media);

        var result = await ReadJsonAsync(await _client.PostAsync("/admin/retry-failed?queue=email", null));

        Assert.Equal(1, result.GetProperty("retried").GetInt32());
        Assert.Equal("email", result.GetProperty("queue").GetString());
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TaskDbContext>();
        Assert.Equal("Queued", (await db.Tasks.AsNoTracking().SingleAsync(t => t.CorrelationId == email.CorrelationId)).CurrentState);
        Assert.Equal("Failed", (await db.Tasks.AsNoTracking().SingleAsync(t => t.CorrelationId == media.CorrelationId)).CurrentState);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/admin/retry-failed?queue=no-such-queue", null)).StatusCode);
    }

    [Fact]
    public async Task The_demo_endpoint_creates_one_task_of_every_type()
    {
        var created = await ReadJsonAsync(await _client.PostAsync("/demo/create-sample-tasks", null));

        var tasks = created.EnumerateArray().ToList();
        Assert.Equal(Bus.ServiceDefaults.Messaging.TaskRoutes.All.Select(r => r.Type).Order(), tasks.Select(t => t.GetProperty("type").GetString()).Order());
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TaskDbContext>();
        foreach (var task in tasks)
        {
            var row = await db.Tasks.AsNoTracking().SingleAsync(t => t.CorrelationId == task.GetProperty("taskId").GetGuid());
            Assert.Equal(task.GetProperty("type").GetString(), row.Type);
            Assert.Equal("Queued", row.CurrentState);
        }
    }

    [Fact]
    public async Task Without_the_option_the_demo_route_does_not_exist()
    {
        await using var factory = _factory.WithWebHostBuilder(web => web.UseSetting("Gateway:EnableDemoEndpoints", "false"));
        using var client = factory.CreateClientFor();

        var response = await client.PostAsync("/demo/create-sample-tasks", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static TaskState Row(string status, DateTime? finishedAt) => new()
    {
        CorrelationId = Guid.NewGuid(),
        CurrentState = status,
        Type = "email_notification",
        Queue = "email",
        Data = EmailData,
        CreatedAt = (finishedAt ?? DateTime.UtcNow).AddSeconds(-30),
        StartedAt = finishedAt?.AddSeconds(-1),
        FinishedAt = finishedAt,
        UpdatedAt = finishedAt ?? DateTime.UtcNow,
    };

    private async Task InsertAsync(params TaskState[] rows)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TaskDbContext>();
        db.Tasks.AddRange(rows);
        await db.SaveChangesAsync();
    }

    /// <summary>Which of <paramref name="rows"/> still exist, in the order given.</summary>
    private async Task<List<Guid>> RemainingAsync(params TaskState[] rows)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var ids = rows.Select(r => r.CorrelationId).ToList();
        var left = await scope.ServiceProvider.GetRequiredService<TaskDbContext>().Tasks.AsNoTracking()
            .Where(t => ids.Contains(t.CorrelationId)).Select(t => t.CorrelationId).ToListAsync();
        return [.. ids.Where(left.Contains)];
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
