using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bus.Cli.Commands;

/// <summary><c>bus submit TYPE --data @file.json|'{json}' [--priority N] [--run-at T] [--idempotency-key K]</c>: <c>POST /tasks</c>.</summary>
public static class SubmitCommand
{
    public static Command Create(BusCli cli)
    {
        var type = new Argument<string>("type") { Description = "The task type (email_notification, image_thumbnail, …)" };
        var data = new Option<string>("--data", "-d") { Description = "The task's payload: JSON, or @path to a JSON file", Required = true };
        var priority = new Option<int?>("--priority", "-p") { Description = "0-10; higher runs first among the tasks waiting in its queue" };
        var runAt = new Option<string?>("--run-at") { Description = "Run then, not now: an ISO 8601 instant with offset (2026-12-24T09:00:00Z)" };
        var key = new Option<string?>("--idempotency-key", "-k") { Description = "A repeat with this key returns the first task instead of a new one" };
        var command = new Command("submit", "Submit a task") { type, data, priority, runAt, key };
        cli.Handle(command, async (session, parse, cancellationToken) =>
        {
            var body = Body(parse.GetRequiredValue(type), ReadData(parse.GetRequiredValue(data)), parse.GetValue(priority), parse.GetValue(runAt), parse.GetValue(key));
            var answer = await session.Gateway.PostAsync("tasks", body, cancellationToken);
            if (!session.WroteJson(answer))
            {
                var submitted = answer.Json;
                session.Output.WriteLine(submitted.Flag("duplicate")
                    ? $"{submitted.Cell("taskId")} already exists for this idempotency key (nothing new runs)"
                    : $"{submitted.Cell("taskId")} {submitted.Cell("status")}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The <c>POST /tasks</c> body; the Gateway validates the fields, this only shapes them.</summary>
    public static string Body(string type, JsonNode? data, int? priority, string? runAt, string? idempotencyKey)
    {
        var body = new JsonObject { ["type"] = type, ["data"] = data };
        if (priority is not null)
            body["priority"] = priority;
        if (runAt is not null)
            body["runAt"] = runAt;
        if (idempotencyKey is not null)
            body["idempotencyKey"] = idempotencyKey;
        return body.ToJsonString();
    }

    /// <summary><c>@path</c> reads the file; anything else is the JSON itself. Not JSON → a usage error naming the problem.</summary>
    public static JsonNode? ReadData(string value)
    {
        var (text, source) = value.StartsWith('@') ? (ReadFile(value[1..]), value[1..]) : (value, "--data");
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException exception)
        {
            throw CliException.Usage($"{source} is not valid JSON: {exception.Message}");
        }
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw CliException.Usage($"cannot read --data file '{path}': {exception.Message}");
        }
    }
}
