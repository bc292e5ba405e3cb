using System.Text.Json;

namespace Bus.IntegrationTests.SyncsAndReminders;

/// <summary><c>serpram_sync</c> and <c>ayt_sync</c> against a loopback partner, on the real bus and PostgreSQL.</summary>
[Collection(SyncsAndRemindersCollection.Name)]
public sealed class PartnerSyncTests(SyncsAndRemindersSystem system)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.FromHours(-3));

    [Fact]
    public async Task A_sync_run_twice_upserts_once_and_the_second_run_changes_nothing()
    {
        var feed = system.Partner["serpram"];
        feed.Add(
            new FakeReading("r1", "st-1", T0, 10.5m),
            new FakeReading("r2", "st-1", T0.AddMinutes(5), 11m),
            new FakeReading("r3", "st-2", T0.AddMinutes(5), 7.25m),
            new FakeReading("r4", "st-2", T0.AddMinutes(10), 8m),
            new FakeReading("r5", "st-3", T0.AddMinutes(15), 3m));

        var first = Result(await system.WaitForAsync(await system.SubmitAsync("serpram_sync", new { }), "Completed"));

        Assert.Equal((5, 5, 0), (first.GetProperty("fetched").GetInt32(), first.GetProperty("inserted").GetInt32(), first.GetProperty("updated").GetInt32()));
        Assert.Equal(T0.AddMinutes(15), first.GetProperty("watermark").GetDateTimeOffset());
        Assert.Equal(5, await system.ReadingCountAsync("serpram"));
        Assert.Equal(T0.AddMinutes(15).UtcDateTime, await system.WatermarkAsync("serpram"));
        var syncedAt = await system.ScalarAsync<DateTime>("SELECT max(synced_at) FROM integration.readings WHERE source = 'serpram'");

        var second = Result(await system.WaitForAsync(await system.SubmitAsync("serpram_sync", new { }), "Completed"));

        // Since is inclusive: the reading at the watermark comes again and is left as it is.
        Assert.Equal((1, 0, 0, 1), (second.GetProperty("fetched").GetInt32(), second.GetProperty("inserted").GetInt32(),
            second.GetProperty("updated").GetInt32(), second.GetProperty("unchanged").GetInt32()));
        Assert.Equal(T0.AddMinutes(15), second.GetProperty("watermark").GetDateTimeOffset());
        Assert.Equal(5, await system.ReadingCountAsync("serpram"));
        Assert.Equal(syncedAt, await system.ScalarAsync<DateTime>("SELECT max(synced_at) FROM integration.readings WHERE source = 'serpram'"));
        Assert.Contains(feed.Requests, r => r.Contains("since=2026-11-30T15%3A15%3A00.0000000Z", StringComparison.Ordinal));
        Assert.DoesNotContain(feed.Requests, r => r.EndsWith("(no key)", StringComparison.Ordinal));

        // A corrected reading at the watermark and a new one: one update, one insert.
        feed.Add(new FakeReading("r5", "st-3", T0.AddMinutes(15), 3.5m), new FakeReading("r6", "st-3", T0.AddMinutes(20), 4m));
        var third = Result(await system.WaitForAsync(await system.SubmitAsync("serpram_sync", new { }), "Completed"));

        Assert.Equal((1, 1), (third.GetProperty("inserted").GetInt32(), third.GetProperty("updated").GetInt32()));
        Assert.Equal(3.5m, await system.ScalarAsync<decimal>("SELECT value FROM integration.readings WHERE source = 'serpram' AND reading_id = 'r5'"));
        Assert.Equal(T0.AddMinutes(20).UtcDateTime, await system.WatermarkAsync("serpram"));
    }

    [Fact]
    public async Task A_sync_failing_midway_leaves_the_readings_and_the_watermark_where_they_were()
    {
        var feed = system.Partner["ayt"];
        feed.Add(new FakeReading("a1", "st-9", T0, 1m));
        await system.WaitForAsync(await system.SubmitAsync("ayt_sync", new { }), "Completed");
        var watermark = await system.WatermarkAsync("ayt");
        Assert.Equal(T0.UtcDateTime, watermark);

        // Five new readings make three pages; page 2 answers 500 on every attempt.
        feed.Add(
            new FakeReading("a2", "st-9", T0.AddMinutes(1), 2m),
            new FakeReading("a3", "st-9", T0.AddMinutes(2), 3m),
            new FakeReading("a4", "st-9", T0.AddMinutes(3), 4m),
            new FakeReading("a5", "st-9", T0.AddMinutes(4), 5m));
        feed.FailingPage = 2;
        var failed = await system.WaitForAsync(await system.SubmitAsync("ayt_sync", new { }), "Failed");

        Assert.Equal(SyncsAndRemindersSystem.AttemptsBeforeFailure, failed.GetProperty("attempts").GetInt32());
        Assert.Contains("500", failed.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(watermark, await system.WatermarkAsync("ayt"));
        Assert.Equal(1, await system.ReadingCountAsync("ayt"));

        // A malformed row on page 2 fails at once (another attempt would read the same row), and changes nothing either.
        feed.FailingPage = null;
        feed.MalformedPage = 2;
        var malformed = await system.WaitForAsync(await system.SubmitAsync("ayt_sync", new { }), "Failed");

        Assert.Equal(1, malformed.GetProperty("attempts").GetInt32());
        Assert.Contains("page 2, row 1: measuredAt", malformed.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(watermark, await system.WatermarkAsync("ayt"));
        Assert.Equal(1, await system.ReadingCountAsync("ayt"));

        // Once the partner answers again, the next run picks up everything since the unchanged watermark.
        feed.MalformedPage = null;
        var recovered = Result(await system.WaitForAsync(await system.SubmitAsync("ayt_sync", new { }), "Completed"));

        Assert.Equal(4, recovered.GetProperty("inserted").GetInt32());
        Assert.Equal(5, await system.ReadingCountAsync("ayt"));
        Assert.Equal(T0.AddMinutes(4).UtcDateTime, await system.WatermarkAsync("ayt"));
    }

    [Fact]
    public async Task A_sync_task_takes_no_data_so_it_cannot_be_pointed_elsewhere()
    {
        var response = await system.Gateway.PostAsync("/tasks", new StringContent(
            """{"type":"serpram_sync","data":{"url":"http://169.254.169.254/"}}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("data.url", await response.Content.ReadAsStringAsync());
    }

    private static JsonElement Result(JsonElement task) => task.GetProperty("result");
}
