using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace Bus.Cli.Commands;

/// <summary><c>bus tasks list [--status S --type T --queue Q --search S --limit N --cursor C] | show ID | cancel ID | retry ID</c>.</summary>
public static class TaskCommands
{
    public static Command Create(BusCli cli)
    {
        var status = new Option<string?>("--status", "-s") { Description = "Only these statuses, comma-separated (Failed,Cancelled)" };
        var type = new Option<string?>("--type", "-t") { Description = "Only this task type" };
        var queue = new Option<string?>("--queue") { Description = "Only the tasks of this queue (email, media, …)" };
        var search = new Option<string?>("--search", "-q") { Description = "Free text: a task id, or text in the type, key or payload" };
        var limit = new Option<int?>("--limit", "-n") { Description = "At most this many, newest first (1-200, default 50)" };
        var cursor = new Option<string?>("--cursor") { Description = "The next page: the cursor the previous page printed" };
        var list = new Command("list", "Tasks, newest first") { status, type, queue, search, limit, cursor };
        cli.Handle(list, async (session, parse, cancellationToken) =>
        {
            var query = Query(("status", parse.GetValue(status)), ("type", parse.GetValue(type)), ("queue", parse.GetValue(queue)), ("q", parse.GetValue(search)), ("limit", parse.GetValue(limit)?.ToString()), ("cursor", parse.GetValue(cursor)));
            var answer = await session.Gateway.GetAsync("tasks" + query, cancellationToken);
            if (session.WroteJson(answer))
                return ExitCodes.Ok;
            Table.Write(session.Output, ["ID", "TYPE", "STATUS", "PRIORITY", "ATTEMPTS", "PROGRESS", "CREATED", "FINISHED", "ERROR"],
                answer.Json.Get("items").Items().Select(t => (IReadOnlyList<string>)
                [
                    t.Cell("taskId"), t.Cell("type"), t.Cell("status"), t.Cell("priority"), t.Cell("attempts"), t.Cell("progress"),
                    t.Time("createdAt"), t.Time("finishedAt"), QueueCommands.OneLine(t.Get("error").Text("message"), 60),
                ]));
            // On standard error, so the table stays the only thing a script reads.
            if (answer.Json.Text("nextCursor") is { } next)
                session.Error.WriteLine($"more: add --cursor {next}");
            return ExitCodes.Ok;
        });

        var show = new Command("show", "One task: status, times, attempts, data, result and error") { IdArgument() };
        cli.Handle(show, async (session, parse, cancellationToken) =>
        {
            var answer = await session.Gateway.GetAsync($"tasks/{TaskId(parse)}", cancellationToken);
            if (!session.WroteJson(answer))
                session.Output.Write(Describe(answer.Json));
            return ExitCodes.Ok;
        });

        var cancel = new Command("cancel", "Cancel a task: at once when Scheduled or Queued, a Running one once its attempt stops") { IdArgument() };
        cli.Handle(cancel, async (session, parse, cancellationToken) =>
        {
            var id = TaskId(parse);
            var answer = await session.Gateway.DeleteAsync($"tasks/{id}", cancellationToken);
            if (!session.WroteJson(answer))
                session.Output.WriteLine(answer.Status == 202
                    ? $"{id} is Running: cancellation requested, it becomes Cancelled when the attempt stops"
                    : $"{id} {answer.Json.Cell("status")}");
            return ExitCodes.Ok;
        });

        var retry = new Command("retry", "Run a Failed or Cancelled task again with its stored data") { IdArgument() };
        cli.Handle(retry, async (session, parse, cancellationToken) =>
        {
            var id = TaskId(parse);
            var answer = await session.Gateway.PostAsync($"tasks/{id}/retry", null, cancellationToken);
            if (!session.WroteJson(answer))
                session.Output.WriteLine($"{id} {answer.Json.Cell("status")}");
            return ExitCodes.Ok;
        });

        return new Command("tasks", "List, show, cancel and retry tasks") { list, show, cancel, retry };
    }

    /// <summary>A query string of the parameters that have a value, each escaped.</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    private static Argument<string> IdArgument() => new("id") { Description = "The task id" };

    /// <summary>Checked here because the Gateway's route only matches ids, so anything else would be a bare 404.</summary>
    private static Guid TaskId(ParseResult parse)
    {
        var text = parse.GetRequiredValue<string>("id");
        return Guid.TryParse(text, out var id) ? id : throw CliException.Usage($"'{text}' is not a task id (a GUID)");
    }

    private static string Describe(JsonElement task)
    {
        var text = new StringBuilder();
        void Line(string name, string value) => text.Append($"{name,-14}{value}\n");
        Line("Task", task.Cell("taskId"));
        Line("Type", task.Cell("type"));
        Line("Status", task.Cell("status") + (task.Text("cancelRequestedAt") is null ? "" : " (cancel requested)"));
        Line("Priority", task.Cell("priority"));
        Line("Progress", $"{task.Cell("progress")}%" + (task.Text("progressMessage") is { } message ? $" {message}" : ""));
        Line("Attempts", task.Cell("attempts"));
        Line("Created", task.Time("createdAt"));
        if (task.Text("runAt") is not null)
            Line("Run at", task.Time("runAt"));
        Line("Started", task.Time("startedAt"));
        Line("Finished", task.Time("finishedAt"));
        if (task.Text("idempotencyKey") is { } key)
            Line("Key", key);
        if (task.Text("parentTaskId") is { } parent)
            Line("Parent", parent);
        if (task.Text("traceId") is { } trace)
            Line("Trace", trace);
        if (task.Get("error") is { ValueKind: JsonValueKind.Object } error)
            Line("Error", $"{error.Cell("type")}: {error.Cell("message")}");
        foreach (var section in new[] { "data", "result" })
            if (task.Get(section) is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } value)
                text.Append($"{char.ToUpperInvariant(section[0])}{section[1..]}:\n{JsonText.Pretty(value)}\n");
        return text.ToString();
    }
}
