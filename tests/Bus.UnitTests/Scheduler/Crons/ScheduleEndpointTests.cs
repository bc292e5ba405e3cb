extern alias scheduler;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Api;
using Bus.Gateway.Security;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using scheduler::Bus.Scheduler.Control;
using scheduler::Bus.Scheduler.Crons;

namespace Bus.UnitTests.Scheduler.Crons;

/// <summary>
/// The Gateway's schedule endpoints and the Scheduler's control consumer in one process: MassTransit's in-memory test
/// bus between them and Quartz's in-memory store behind the consumer. The real servers are in the integration tests.
/// </summary>
public sealed class ScheduleEndpointTests : IAsyncLifetime
{
    private static readonly AuthOptions Auth = new()
    {
        Issuer = "bus-unit-tests",
        Audience = "bus-unit-tests-api",
        SigningKey = "bus-unit-tests-signing-key-0123456789abcdef",
    };

    private WebApplication _app = null!;
    private ITestHarness _harness = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        (_app, _harness, _http) = await StartAsync(withScheduler: true);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _harness.Stop();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task The_list_shows_enabled_crons_from_the_store_and_disabled_ones_from_configuration()
    {
        var response = await _http.GetAsync("/schedules");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schedules = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("schedules").EnumerateArray().ToList();
        Assert.Equal(["off", "report"], schedules.Select(s => s.GetProperty("name").GetString()));
        var report = schedules[1];
        Assert.Equal("0 9 * * *", report.GetProperty("cron").GetString());
        Assert.Equal("America/Argentina/Cordoba", report.GetProperty("timeZone").GetString());
        Assert.Equal("daily-report", report.GetProperty("taskType").GetString());
        Assert.True(report.GetProperty("enabled").GetBoolean());
        Assert.False(report.GetProperty("paused").GetBoolean());
        Assert.Equal(12, report.GetProperty("nextFireTimeUtc").GetDateTimeOffset().UtcDateTime.Hour);
        Assert.False(schedules[0].GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, schedules[0].GetProperty("nextFireTimeUtc").ValueKind);
    }

    [Fact]
    public async Task Pause_then_resume_answer_the_schedule_in_its_new_state()
    {
        var paused = await _http.PostAsync("/schedules/report/pause", null);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.True((await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean());

        var listed = await _http.GetFromJsonAsync<JsonElement>("/schedules");
        Assert.Contains(listed.GetProperty("schedules").EnumerateArray(), s => s.GetProperty("name").GetString() == "report" && s.GetProperty("paused").GetBoolean());

        var resumed = await _http.PostAsync("/schedules/report/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False((await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Run_answers_202_and_submits_one_task_keyed_by_its_fire_time()
    {
        var scheduler = await _app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.Start();

        var response = await _http.PostAsync("/schedules/report/run", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(await _harness.Sent.Any<SubmitTask>(), "the run should have submitted a task");
        var command = Assert.Single(_harness.Sent.Select<SubmitTask>().ToList()).Context.Message;
        Assert.Equal("daily-report", command.Type);
        Assert.StartsWith("cron:report:", command.IdempotencyKey);
        var firedAt = DateTimeOffset.Parse(command.IdempotencyKey!["cron:report:".Length..]);
        Assert.InRange(firedAt, DateTimeOffset.UtcNow.AddSeconds(-30), DateTimeOffset.UtcNow);
    }

    [Theory]
    [InlineData("/schedules/nope/pause")]
    [InlineData("/schedules/nope/resume")]
    [InlineData("/schedules/nope/run")]
    [InlineData("/schedules/no%20such%20name/run")]
    public async Task An_unknown_name_is_a_404_problem(string path)
    {
        var response = await _http.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Schedule not found", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_disabled_cron_cannot_be_run_409()
    {
        var response = await _http.PostAsync("/schedules/off/run", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("Schedule disabled", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task No_Scheduler_answering_in_time_is_a_503_problem()
    {
        var (app, harness, http) = await StartAsync(withScheduler: false);
        try
        {
            var list = await http.GetAsync("/schedules");
            var pause = await http.PostAsync("/schedules/report/pause", null);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, pause.StatusCode);
            Assert.Equal("Scheduler unavailable", (await pause.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }
        finally
        {
            http.Dispose();
            await harness.Stop();
            await app.DisposeAsync();
        }
    }

    private static async Task<(WebApplication, ITestHarness, HttpClient)> StartAsync(bool withScheduler)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Crons:report:Cron"] = "0 9 * * *",
            ["Crons:report:TimeZone"] = "America/Argentina/Cordoba",
            ["Crons:report:TaskType"] = "daily-report",
            ["Crons:off:Cron"] = "* * * * *",
            ["Crons:off:TaskType"] = "cleanup",
            ["Crons:off:Enabled"] = "false",
            ["Auth:Issuer"] = Auth.Issuer,
            ["Auth:Audience"] = Auth.Audience,
            ["Auth:SigningKey"] = Auth.SigningKey,
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddGatewayAuthentication();
        builder.Services.Configure<JsonOptions>(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        builder.Services.Configure<ScheduleEndpointOptions>(o => o.RequestTimeout = TimeSpan.FromSeconds(withScheduler ? 10 : 1));
        if (withScheduler)
        {
            builder.Services.AddQuartz(
                new Dictionary<string, string?> { ["quartz.scheduler.instanceName"] = $"cron-endpoints-{Guid.NewGuid():N}" },
                quartz => quartz.UseInMemoryStore());
            builder.AddCronSchedules();
        }
        builder.Services.AddMassTransitTestHarness(bus =>
        {
            if (withScheduler)
                bus.AddScheduleControlConsumers();
            bus.AddScheduleRequestClients();
        });

        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapScheduleEndpoints();
        var harness = app.Services.GetRequiredService<ITestHarness>();
        await harness.Start(); // starts every hosted service: Kestrel, the bus, the cron sync
        var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", GatewayTokens.Mint(Auth, "test-admin", [GatewayRoles.Admin], TimeSpan.FromHours(1)));
        return (app, harness, http);
    }
}
