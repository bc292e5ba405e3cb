using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.Scheduler.Crons;

[Collection(SchedulerProcessesCollection.Name)]
public sealed class CronControlTests(CronTestSystem system, ITestOutputHelper output) : IClassFixture<CronTestSystem>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_schedules_list_shows_every_cron_with_its_state_and_next_fire_time()
    {
        var schedules = await ListAsync();

        Assert.Superset(
            new HashSet<string> { CronTestSystem.Tick, CronTestSystem.Pausable, CronTestSystem.Manual, CronTestSystem.Off, "daily-report", "serpram-sync" },
            schedules.Keys.ToHashSet());
        var manual = schedules[CronTestSystem.Manual];
        Assert.Equal("0 0 9 1 1 ? 2099", manual.GetProperty("cron").GetString());
        Assert.Equal("America/Argentina/Cordoba", manual.GetProperty("timeZone").GetString());
        Assert.True(manual.GetProperty("enabled").GetBoolean());
        Assert.Equal(new DateTimeOffset(2099, 1, 1, 12, 0, 0, TimeSpan.Zero), manual.GetProperty("nextFireTimeUtc").GetDateTimeOffset());
        Assert.False(schedules[CronTestSystem.Off].GetProperty("enabled").GetBoolean());
        Assert.True(schedules["daily-report"].GetProperty("enabled").GetBoolean());
        Assert.False(schedules["serpram-sync"].GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task A_paused_cron_does_not_fire_stays_paused_after_a_restart_and_fires_again_once_resumed()
    {
        await system.Submissions.WaitForAsync(CronTestSystem.Pausable, _ => true, 1, Patience);

        var paused = await system.Gateway.PostAsync($"/schedules/{CronTestSystem.Pausable}/pause", null);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.True((await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean());
        // A firing already claimed when the pause landed may still be sent; nothing scheduled after this may be.
        var cutoff = DateTimeOffset.UtcNow.AddSeconds(1);

        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Empty(FiredAfter(cutoff));

        await system.RestartSchedulersAsync();
        Assert.True((await ListAsync())[CronTestSystem.Pausable].GetProperty("paused").GetBoolean(), "the cron should still be paused after the restart");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(FiredAfter(cutoff));

        // The resume takes effect somewhere inside the request: judge from when it was asked for, since a loaded
        // machine can answer more than a second after the cron's current second began.
        var resumedAt = DateTimeOffset.UtcNow;
        var resumed = await system.Gateway.PostAsync($"/schedules/{CronTestSystem.Pausable}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False((await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("paused").GetBoolean());

        var again = await system.Submissions.WaitForAsync(CronTestSystem.Pausable, s => s.FireTime > cutoff, 2, Patience);
        output.WriteLine($"resumed at {resumedAt:HH:mm:ss.fff}; fired again for {string.Join(", ", again.Select(s => $"{s.FireTime:HH:mm:ss}"))}; logs: {system.Logs}");
        // The seconds that fell in the pause are skipped, not replayed on resume.
        Assert.All(FiredAfter(cutoff), s => Assert.True(s.FireTime >= resumedAt.AddSeconds(-1), $"{s.FireTime:HH:mm:ss.fff} was scheduled while paused"));
    }

    [Fact]
    public async Task Run_submits_one_task_at_once_keyed_by_its_actual_fire_time()
    {
        var before = DateTimeOffset.UtcNow;

        var response = await system.Gateway.PostAsync($"/schedules/{CronTestSystem.Manual}/run", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(CronTestSystem.Manual, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        var run = Assert.Single(await system.Submissions.WaitForAsync(CronTestSystem.Manual, _ => true, 1, Patience));
        output.WriteLine($"run requested {before:HH:mm:ss.fff}, fired {run.FireTime:HH:mm:ss.fff}, received {run.ReceivedAt:HH:mm:ss.fff}");
        Assert.InRange(run.FireTime, before.AddMilliseconds(-500), DateTimeOffset.UtcNow);
        Assert.Equal("cron_test", run.Task.Type);
        Assert.Equal(7, run.Task.Priority);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(system.Submissions.Of(CronTestSystem.Manual));
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("run")]
    public async Task An_unknown_name_is_a_404_problem_and_a_disabled_cron_a_409(string action)
    {
        var unknown = await system.Gateway.PostAsync($"/schedules/no-such-cron/{action}", null);
        var disabled = await system.Gateway.PostAsync($"/schedules/{CronTestSystem.Off}/{action}", null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Schedule not found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Conflict, disabled.StatusCode);
        Assert.Empty(system.Submissions.Of(CronTestSystem.Off));
    }

    [Theory]
    [InlineData("Crons__broken__Cron", "0 9 * *", "Crons:broken (cron 'broken'): Cron '0 9 * *' has 4 field(s)")]
    [InlineData("Crons__broken__TimeZone", "America/Atlantis", "Crons:broken (cron 'broken'): TimeZone 'America/Atlantis' is not a known time zone")]
    public async Task An_invalid_cron_stops_the_Scheduler_at_start_naming_the_cron_and_the_setting(string setting, string value, string message)
    {
        var crons = new Dictionary<string, string>
        {
            ["Crons__broken__Cron"] = "0 9 * * *",
            ["Crons__broken__TaskType"] = "cron_test",
            [setting] = value,
        };

        var (failed, log) = await system.RunSchedulerUntilExitAsync(crons, TimeSpan.FromSeconds(60));

        Assert.True(failed, "the Scheduler should have exited with an error");
        Assert.Contains(message, log);
    }

    private IReadOnlyList<Submission> FiredAfter(DateTimeOffset cutoff) =>
        [.. system.Submissions.Of(CronTestSystem.Pausable).Where(s => s.FireTime > cutoff)];

    private async Task<Dictionary<string, JsonElement>> ListAsync()
    {
        var response = await system.Gateway.GetAsync("/schedules");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("schedules").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.Clone());
    }
}
