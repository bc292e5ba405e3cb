using Bus.IntegrationTests.Email;

namespace Bus.IntegrationTests.Maintenance;

[Collection(MaintenanceSystemCollection.Name)]
public sealed class DailyReportTests(MaintenanceSystem system)
{
    private static TimeSpan Hours(double hours) => TimeSpan.FromHours(hours);
    private static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public async Task The_report_counts_the_last_day_per_type_including_what_cleanup_removed_and_is_mailed_through_a_tracked_email_task()
    {
        var type = $"probe_{Guid.NewGuid():N}"[..20];
        TimeSpan[] recentDurations = [.. Enumerable.Range(1, 10).Select(i => Seconds(i))];
        TimeSpan[] earlierDurations = [Seconds(20), Seconds(20), Seconds(20), Seconds(20)];
        await system.SeedTasksAsync("Completed", type, Hours(4), Hours(3), recentDurations);
        await system.SeedTasksAsync("Completed", type, Hours(30), Hours(20), earlierDurations);
        await system.SeedTasksAsync("Failed", type, 3, Hours(3), Hours(2));
        await system.SeedTasksAsync("Queued", type, 2, Hours(1), null);
        await system.SeedTasksAsync("Completed", type, 2, Hours(30), Hours(29));

        // Completed tasks are kept an hour: the report must find these in maintenance.task_history instead.
        await system.RunAsync("cleanup");
        Assert.Equal(16L, await system.ScalarAsync<long>("SELECT count(*) FROM maintenance.task_history WHERE type = @type", ("type", type)));

        var report = await system.RunAsync("daily-report");

        var figures = report.GetProperty("types").EnumerateArray().Single(t => t.GetProperty("type").GetString() == type);
        double[] durations = [.. recentDurations.Concat(earlierDurations).Select(d => d.TotalMilliseconds)];
        Assert.Equal((15L, 14L, 3L), (figures.GetProperty("submitted").GetInt64(), figures.GetProperty("completed").GetInt64(), figures.GetProperty("failed").GetInt64()));
        Assert.Equal(3.0 / 17, figures.GetProperty("failureRate").GetDouble(), 9);
        Assert.Equal(PercentileCont(durations, 0.5), figures.GetProperty("p50DurationMs").GetDouble(), 3);
        Assert.Equal(PercentileCont(durations, 0.95), figures.GetProperty("p95DurationMs").GetDouble(), 3);

        var email = report.GetProperty("email");
        Assert.Equal("email_notification", email.GetProperty("type").GetString());
        var sent = await system.WaitForAsync(email.GetProperty("taskId").GetGuid(), "Completed");
        Assert.Equal("email_notification", sent.GetProperty("type").GetString());
        var mail = await WaitForMailAsync(m => m.Message.Subject?.StartsWith(MaintenanceSystem.ReportSubject, StringComparison.Ordinal) == true && m.Message.TextBody?.Contains(type) == true);
        Assert.Equal([MaintenanceSystem.ReportRecipient], mail.EnvelopeRecipients);
        var row = mail.Message.TextBody!.Split('\n').Single(line => line.StartsWith(type, StringComparison.Ordinal));
        Assert.Equal([type, "15", "14", "3", "17.6", "%", "7.5", "s", "20.0", "s"], row.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks.</summary>
    private static double PercentileCont(double[] values, double fraction)
    {
        var sorted = values.Order().ToArray();
        var position = fraction * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = (int)Math.Ceiling(position);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }

    private async Task<ReceivedMail> WaitForMailAsync(Func<ReceivedMail, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (system.Smtp.Received.FirstOrDefault(match) is { } mail)
                return mail;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"no report mail arrived; received: {string.Join(", ", system.Smtp.Received.Select(m => m.Message.Subject))}");
    }
}
