using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Bus.Cli.Commands;

/// <summary><c>bus monitor [--once] [--interval 1s]</c>: totals, throughput, timing, success rate, health and every queue.</summary>
public static class MonitorCommand
{
    private const string ClearScreen = "\u001b[H\u001b[2J";
    private const string Bars = "▁▂▃▄▅▆▇█";

    public static Command Create(BusCli cli)
    {
        var once = new Option<bool>("--once") { Description = "Print one frame and exit (scripts, tests)" };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes", DefaultValueFactory = _ => 1 };
        var command = new Command("monitor", "Live view of the system: totals, per-queue table, throughput, timing, success rate and health") { once, interval };
        cli.Handle(command, async (session, parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(interval);
            if (!(seconds is >= 0.2 and <= 3600))
                throw CliException.Usage("--interval must be from 0.2 to 3600 seconds");
            if (parse.GetValue(once))
            {
                var snapshot = await Snapshot.ReadAsync(session.Gateway, cancellationToken);
                if (session.PrintJson)
                    session.Output.WriteLine(snapshot.ToJson());
                else
                    Render(snapshot, session.Output);
                return ExitCodes.Ok;
            }
            while (!cancellationToken.IsCancellationRequested)
            {
                var frame = new StringWriter();
                try
                {
                    Render(await Snapshot.ReadAsync(session.Gateway, cancellationToken), frame);
                }
                catch (CliException exception) when (exception.ExitCode == ExitCodes.Unavailable)
                {
                    // A live view outlives a Gateway restart: say so and keep polling.
                    frame.WriteLine($"{DateTime.UtcNow:HH:mm:ss}Z  {exception.Message}");
                }
                session.Output.Write(ClearScreen + frame);
                session.Output.WriteLine("(Ctrl+C to quit)");
                session.Output.Flush();
                await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What one frame shows, read from <c>/stats/system</c>, <c>/stats/queues</c> and <c>/health</c> at once.</summary>
    private sealed record Snapshot(Uri Gateway, DateTime ReadAt, ApiAnswer System, ApiAnswer Queues, ApiAnswer Health)
    {
        public static async Task<Snapshot> ReadAsync(GatewayClient gateway, CancellationToken cancellationToken)
        {
            var system = gateway.GetAsync("stats/system", cancellationToken);
            var queues = gateway.GetAsync("stats/queues", cancellationToken);
            // 503 is an answer here: an unhealthy system is what the monitor is for.
            var health = gateway.GetAsync("health", cancellationToken, 503);
            return new Snapshot(gateway.BaseAddress, DateTime.UtcNow, await system, await queues, await health);
        }

        public string ToJson() => JsonText.Pretty(
            $$"""{"system":{{System.Body}},"queues":{{Queues.Body}},"health":{{Health.Body}}}""");
    }

    private static void Render(Snapshot snapshot, TextWriter output)
    {
        var system = snapshot.System.Json;
        var health = snapshot.Health.Json;
        output.WriteLine($"Bus monitor  {snapshot.Gateway}  {snapshot.ReadAt:yyyy-MM-dd HH:mm:ss}Z");
        output.WriteLine($"Health       {health.Cell("status")}  ({string.Join(", ", Checks(health))})");

        var totals = system.Get("totals");
        output.WriteLine("Tasks        " + string.Join("  ",
            new[] { "scheduled", "queued", "running", "completed", "failed", "cancelled", "total" }.Select(s => $"{s} {totals.Cell(s)}")));

        var minutes = system.Get("completedPerMinute").Items().Select(m => m.Number("completed") ?? 0).ToList();
        var lastMinute = minutes.Count > 0 ? minutes[^1] : 0;
        var average = minutes.Count > 0 ? minutes.Average() : 0;
        output.WriteLine(Invariant($"Throughput   {lastMinute:0}/min now, {average:0.#}/min over {minutes.Count} min  {Sparkline(minutes)}"));

        var hour = system.Get("lastHour");
        output.WriteLine("Last hour    " + Invariant(
            $"completed {hour.Cell("completed")}  failed {hour.Cell("failed")}  success {Percent(hour.Number("successRate"))}  avg {Milliseconds(hour.Number("averageProcessingMs"))}  p95 {Milliseconds(hour.Number("p95ProcessingMs"))}"));
        output.WriteLine();
        QueueCommands.WriteQueueTable(snapshot.Queues.Json, output);
    }

    private static IEnumerable<string> Checks(JsonElement health)
    {
        var checks = health.Get("checks");
        foreach (var name in new[] { "rabbitmq", "postgres", "redis" })
            if (checks.Get(name).ValueKind == JsonValueKind.Object)
                yield return $"{name} {checks.Get(name).Cell("status")}";
    }

    private static string Sparkline(IReadOnlyList<double> values)
    {
        var max = values.Count == 0 ? 0 : values.Max();
        return max <= 0 ? new string(Bars[0], values.Count) : string.Concat(values.Select(v => Bars[(int)Math.Round(v / max * (Bars.Length - 1))]));
    }

    private static string Percent(double? rate) => rate is { } r ? Invariant($"{r * 100:0.#}%") : "-";

    private static string Milliseconds(double? ms) => ms is { } m ? Invariant($"{m:0} ms") : "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
