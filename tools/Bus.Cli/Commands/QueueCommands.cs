using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bus.Cli.Commands;

/// <summary><c>bus queues list | pause Q | resume Q | errors Q | redeliver Q [--message-id ID…]</c>.</summary>
public static class QueueCommands
{
    public static Command Create(BusCli cli)
    {
        var list = new Command("list", "Every task queue: paused, waiting, active, consumers, error-queue depth, tasks by status, rates");
        cli.Handle(list, async (session, _, cancellationToken) =>
        {
            var answer = await session.Gateway.GetAsync("stats/queues", cancellationToken);
            if (!session.WroteJson(answer))
                WriteQueueTable(answer.Json, session.Output);
            return ExitCodes.Ok;
        });

        var errors = new Command("errors", "Browse the queue's error queue (oldest first; nothing is consumed)") { QueueArgument() };
        var offset = new Option<int>("--offset") { Description = "Skip this many messages", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "At most this many messages (1-100)", DefaultValueFactory = _ => 20 };
        errors.Add(offset);
        errors.Add(limit);
        cli.Handle(errors, async (session, parse, cancellationToken) =>
        {
            var queue = parse.GetRequiredValue<string>("queue");
            var answer = await session.Gateway.GetAsync(
                $"admin/queues/{Uri.EscapeDataString(queue)}/errors?offset={parse.GetValue(offset)}&limit={parse.GetValue(limit)}", cancellationToken);
            if (session.WroteJson(answer))
                return ExitCodes.Ok;
            var page = answer.Json;
            session.Output.WriteLine($"{page.Cell("errorQueue")}: {page.Cell("total")} message(s), showing {page.Get("messages").Items().Count()} from offset {page.Cell("offset")}");
            Table.Write(session.Output, ["MESSAGE ID", "TASK ID", "SENT", "REDELIVERIES", "EXCEPTION", "MESSAGE"],
                page.Get("messages").Items().Select(m => (IReadOnlyList<string>)
                [
                    m.Cell("messageId"), m.Cell("taskId"), m.Time("sentTime"), m.Cell("redeliveryCount"),
                    m.Get("fault").Cell("exceptionType"), OneLine(m.Get("fault").Text("message")),
                ]));
            return ExitCodes.Ok;
        });

        var messageIds = new Option<string[]>("--message-id") { Description = "Only this message (repeat for more); all of them without it", AllowMultipleArgumentsPerToken = true };
        var redeliver = new Command("redeliver", "Move error-queue messages back to the queue: all, or those named") { QueueArgument(), messageIds };
        cli.Handle(redeliver, async (session, parse, cancellationToken) =>
        {
            var queue = parse.GetRequiredValue<string>("queue");
            var ids = parse.GetValue(messageIds) ?? [];
            var body = ids.Length == 0 ? null : new JsonObject { ["messageIds"] = new JsonArray([.. ids.Select(id => JsonValue.Create(id))]) }.ToJsonString();
            var answer = await session.Gateway.PostAsync($"admin/queues/{Uri.EscapeDataString(queue)}/errors/redeliver", body, cancellationToken);
            if (session.WroteJson(answer))
                return ExitCodes.Ok;
            var result = answer.Json;
            session.Output.WriteLine($"Redelivered {result.Cell("redelivered")} message(s) to {queue}.");
            var notFound = result.Get("notFound").Items().Select(i => i.ToString()).ToList();
            if (notFound.Count > 0)
                session.Output.WriteLine($"Not in the error queue: {string.Join(", ", notFound)}");
            return ExitCodes.Ok;
        });

        return new Command("queues", "Task queues: statistics, pause and resume, error queues")
        {
            list,
            PauseOrResume(cli, "pause", "Stop every replica of the queue's service consuming (tasks keep queueing)"),
            PauseOrResume(cli, "resume", "Let the queue's service consume again"),
            errors,
            redeliver,
        };
    }

    /// <summary>The per-queue table of <c>bus queues list</c> and <c>bus monitor</c>, from <c>GET /stats/queues</c>.</summary>
    public static void WriteQueueTable(JsonElement queues, TextWriter output) =>
        Table.Write(output, ["QUEUE", "PAUSED", "WAITING", "ACTIVE", "CONSUMERS", "ERRORS", "SCHEDULED", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED", "IN/S", "OUT/S"],
            queues.Items().Select(q => (IReadOnlyList<string>)
            [
                q.Cell("name"), q.Flag("paused") ? "yes" : "no",
                q.Cell("waiting"), q.Cell("active"), q.Cell("consumers"), q.Cell("errorQueueDepth"),
                q.Cell("scheduled"), q.Cell("queued"), q.Cell("running"), q.Cell("completed"), q.Cell("failed"), q.Cell("cancelled"),
                Rate(q.Get("rates").Number("publish")), Rate(q.Get("rates").Number("deliver")),
            ]));

    private static Command PauseOrResume(BusCli cli, string action, string description)
    {
        var command = new Command(action, description) { QueueArgument() };
        cli.Handle(command, async (session, parse, cancellationToken) =>
        {
            var queue = parse.GetRequiredValue<string>("queue");
            var answer = await session.Gateway.PostAsync($"admin/queues/{Uri.EscapeDataString(queue)}/{action}", null, cancellationToken);
            if (!session.WroteJson(answer))
                session.Output.WriteLine(answer.Json.Flag("paused")
                    ? $"{queue} is paused (since {answer.Json.Time("pausedAt")})."
                    : $"{queue} is consuming.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Argument<string> QueueArgument() => new("queue") { Description = "A task queue (email, media, …; see `bus queues list`)" };

    private static string Rate(double? perSecond) => perSecond is { } r ? r.ToString("0.##", CultureInfo.InvariantCulture) : "-";

    public static string OneLine(string? text, int max = 80)
    {
        if (string.IsNullOrEmpty(text))
            return "-";
        var line = text.ReplaceLineEndings(" ");
        return line.Length > max ? line[..(max - 1)] + "…" : line;
    }
}
