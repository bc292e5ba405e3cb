using System.Diagnostics;

namespace Bus.Benchmarks;

/// <summary>
/// Starts items at a fixed rate for a fixed time, whether or not the earlier ones have finished (an open loop: a slow
/// item does not hold back the next, as with real clients), with at most 512 in flight.
/// </summary>
public static class OpenLoop
{
    /// <summary>Runs <paramref name="item"/> <c>perSecond × duration</c> times; returns the rate they were started at.</summary>
    public static async Task<double> RunAsync(int perSecond, TimeSpan duration, Func<Task> item)
    {
        var count = (int)(perSecond * duration.TotalSeconds);
        // A cap on items in flight: past it the loop falls behind the schedule, which the rate it returns shows.
        using var inFlight = new SemaphoreSlim(512);
        var started = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var wait = TimeSpan.FromSeconds((double)i / perSecond) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait);
            await inFlight.WaitAsync();
            started.Add(RunReleasingAsync());
        }
        var startedPerSecond = count / clock.Elapsed.TotalSeconds;
        await Task.WhenAll(started);
        return startedPerSecond;

        async Task RunReleasingAsync()
        {
            try
            {
                await item();
            }
            finally
            {
                inFlight.Release();
            }
        }
    }
}
