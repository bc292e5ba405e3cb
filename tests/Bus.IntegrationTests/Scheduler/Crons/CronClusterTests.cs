using Xunit.Abstractions;

namespace Bus.IntegrationTests.Scheduler.Crons;

[Collection(SchedulerProcessesCollection.Name)]
public sealed class CronClusterTests(CronTestSystem system, ITestOutputHelper output) : IClassFixture<CronTestSystem>
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Two_schedulers_submit_each_scheduled_second_of_a_cron_exactly_once()
    {
        Assert.Equal(2, system.Count);
        var now = DateTimeOffset.UtcNow;
        var from = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(2);
        var until = from + Window;

        // Everything scheduled in the window, however late it is sent, within a bounded wait.
        await Task.Delay(until - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5));

        var all = system.Submissions.Of(CronTestSystem.Tick);
        var window = all.Where(s => s.FireTime >= from && s.FireTime < until).OrderBy(s => s.FireTime).ToList();
        var expected = Enumerable.Range(0, (int)Window.TotalSeconds).Select(i => from.AddSeconds(i)).ToList();
        var lateness = window.Select(s => (s.SentAt!.Value - s.FireTime.UtcDateTime).TotalMilliseconds).Order().ToList();
        output.WriteLine($"{window.Count} submissions for {expected.Count} scheduled seconds {from:HH:mm:ss}-{until:HH:mm:ss}; "
            + $"sent late by min {lateness.FirstOrDefault():F0} ms, median {lateness.ElementAtOrDefault(lateness.Count / 2):F0} ms, max {lateness.LastOrDefault():F0} ms; "
            + $"by sender process: {string.Join(", ", window.GroupBy(s => s.SenderProcessId).Select(g => $"{g.Key}={g.Count()}"))}; logs: {system.Logs}");

        var duplicates = all.GroupBy(s => s.Task.IdempotencyKey).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}").ToList();
        Assert.True(duplicates.Count == 0, $"keys submitted more than once: {string.Join(", ", duplicates)}");
        var missing = expected.Except(window.Select(s => s.FireTime)).Select(t => $"{t:HH:mm:ss}").ToList();
        Assert.True(missing.Count == 0, $"scheduled seconds with no submission: {string.Join(", ", missing)}");
        Assert.Equal(expected, window.Select(s => s.FireTime));
        Assert.All(window, s => Assert.Equal("cron_test", s.Task.Type));
        Assert.All(window, s => Assert.Equal("tick", s.Task.Data.GetProperty("probe").GetString()));
        Assert.Equal(window.Count, window.Select(s => s.Task.TaskId).Distinct().Count());
        Assert.True(lateness.Last() < 5000, $"a firing was sent {lateness.Last():F0} ms after its scheduled time");
    }
}
