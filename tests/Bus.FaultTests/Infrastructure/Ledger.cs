using System.Text.Json;
using Npgsql;

namespace Bus.FaultTests.Infrastructure;

/// <summary>One task as the task saga's table holds it.</summary>
public sealed record TaskRow(Guid Id, string Status, string? IdempotencyKey, int Attempts);

/// <summary>
/// The figures a scenario proves, from the task table, the SMTP listener and the broker once everything has settled.
/// Everything under "must be 0" is a broken promise.
/// </summary>
public sealed record LedgerReport(
    string Scenario,
    int Submitted,
    int Accepted,
    int AnsweredExisting,
    int Answered503,
    int NoAnswer,
    int Restarts,
    int Completed,
    int Mails,
    // must be 0:
    int Lost,
    int Stuck,
    int Failed,
    int Unanswered,
    int OtherAnswers,
    int TasksPerKeyAboveOne,
    int DuplicateMails,
    int MailsWithoutTask,
    int LeftInQueues,
    int Skipped,
    IReadOnlyList<string> Problems)
{
    public bool Holds => Problems.Count == 0;

    public override string ToString() =>
        $"{Scenario}: {Submitted} submitted, {Accepted} answered 202, {AnsweredExisting} answered 200 (retried after a failure), " +
        $"{Answered503} answers 503, {NoAnswer} without answer, {Restarts} restarts/kills; {Completed} completed, {Mails} mails; " +
        $"lost {Lost}, stuck {Stuck}, failed {Failed}, duplicate tasks {TasksPerKeyAboveOne}, duplicate mails {DuplicateMails}, " +
        $"messages left in queues {LeftInQueues}, in _skipped {Skipped}" + (Holds ? "" : $"; PROBLEMS: {string.Join("; ", Problems.Take(20))}");
}

public static class Ledger
{
    private static readonly string[] Terminal = ["Completed", "Failed", "Cancelled"];

    /// <summary>
    /// Waits (generously) until every task in the system's table is terminal and its queues are drained, then checks:
    /// every submission ended with a task, every task that got a 202 exists and completed, one task per idempotency
    /// key, exactly one mail per completed task, none for anything else, nothing left in a queue or an error queue.
    /// </summary>
    public static async Task<LedgerReport> CheckAsync(FaultSystem system, TaskStream stream, int restarts, TimeSpan? settleTimeout = null)
    {
        await stream.Completion;
        var allRows = await SettleAsync(system, stream.Scenario, settleTimeout ?? TimeSpan.FromSeconds(120));
        var rows = allRows.Where(r => IsOf(stream.Scenario, r)).ToList();
        var queues = await QueueDepthsAsync(system);
        // A redelivery that would send a mail twice comes after the task completed: give one a moment to show.
        await Task.Delay(TimeSpan.FromSeconds(1));

        var problems = new List<string>();
        var byId = rows.ToDictionary(r => r.Id);
        var submissions = stream.Submissions;
        var answers = submissions.SelectMany(s => s.Answers).ToList();

        var unanswered = submissions.Where(s => s.TaskId is null).ToList();
        var other = submissions.Where(s => s.Answers.Any(a => a is not ("202" or "200" or "503" or "no answer"))).ToList();
        problems.AddRange(unanswered.Select(s => $"{s.IdempotencyKey} never got a task: {string.Join(",", s.Answers)}"));
        problems.AddRange(other.Select(s => $"{s.IdempotencyKey} got an answer other than 202/200/503: {string.Join(",", s.Answers)}"));

        var lost = submissions.Where(s => s.TaskId is { } id && !byId.ContainsKey(id)).ToList();
        problems.AddRange(lost.Select(s => $"task {s.TaskId} ({s.IdempotencyKey}, answered {string.Join(",", s.Answers)}) is not in the task table"));
        var stuck = rows.Where(r => !Terminal.Contains(r.Status)).ToList();
        problems.AddRange(stuck.Select(r => $"task {r.Id} ({r.IdempotencyKey}) is stuck in {r.Status} after {r.Attempts} attempts"));
        var failed = rows.Where(r => r.Status != "Completed" && Terminal.Contains(r.Status)).ToList();
        problems.AddRange(failed.Select(r => $"task {r.Id} ({r.IdempotencyKey}) ended {r.Status}"));

        var perKey = rows.Where(r => r.IdempotencyKey is not null).GroupBy(r => r.IdempotencyKey).Where(g => g.Count() > 1).ToList();
        problems.AddRange(perKey.Select(g => $"{g.Count()} tasks share the key {g.Key}"));
        var mismatched = submissions.Where(s => s.TaskId is { } id && byId.TryGetValue(id, out var row) && row.IdempotencyKey != s.IdempotencyKey).ToList();
        problems.AddRange(mismatched.Select(s => $"{s.IdempotencyKey} was answered with task {s.TaskId} of another key"));

        var allMails = system.Smtp.Received.Select(m => MailLedger.TaskIdOf(m.Message)).ToList();
        var mails = allMails.Where(id => id is { } taskId && byId.ContainsKey(taskId)).Select(id => id!.Value).ToList();
        var mailsPerTask = mails.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var duplicateMails = mailsPerTask.Where(m => m.Value > 1).ToList();
        problems.AddRange(duplicateMails.Select(m => $"task {m.Key} sent {m.Value} mails"));
        var everyTask = allRows.Select(r => r.Id).ToHashSet();
        var withoutTask = allMails.Count(id => id is null || !everyTask.Contains(id.Value));
        if (withoutTask > 0)
            problems.Add($"{withoutTask} mails belong to no task");
        var completedWithoutMail = rows.Where(r => r.Status == "Completed" && !mailsPerTask.ContainsKey(r.Id)).ToList();
        problems.AddRange(completedWithoutMail.Select(r => $"task {r.Id} completed without a mail"));

        // A message in <queue>_skipped reached an endpoint with no consumer for it. Every task is checked above, so one
        // there is a copy whose task ran anyway: reported, not a broken promise (see the README, "Reliability").
        var skipped = queues.Where(q => q.Key.EndsWith("_skipped", StringComparison.Ordinal)).Sum(q => q.Value);
        var leftInQueues = queues.Values.Sum() - skipped;
        problems.AddRange(queues.Where(q => q.Value > 0 && !q.Key.EndsWith("_skipped", StringComparison.Ordinal)).Select(q => $"{q.Value} messages left in {q.Key}"));

        return new LedgerReport(
            stream.Scenario,
            submissions.Count,
            submissions.Count(s => s.Accepted),
            submissions.Count(s => s.TaskId is not null && !s.Accepted),
            answers.Count(a => a == "503"),
            answers.Count(a => a == "no answer"),
            restarts,
            rows.Count(r => r.Status == "Completed"),
            mails.Count,
            lost.Count,
            stuck.Count,
            failed.Count,
            unanswered.Count,
            other.Count,
            perKey.Count,
            duplicateMails.Count,
            withoutTask,
            leftInQueues,
            skipped,
            problems);
    }

    public static async Task<IReadOnlyList<TaskRow>> ReadTasksAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, status, idempotency_key, attempts FROM bus.tasks", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<TaskRow>();
        while (await reader.ReadAsync())
            rows.Add(new TaskRow(reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3)));
        return rows;
    }

    /// <summary>The system is shared by every scenario: a scenario's tasks are those with its keys.</summary>
    public static bool IsOf(string scenario, TaskRow row) =>
        row.IdempotencyKey?.StartsWith(scenario + "-", StringComparison.Ordinal) == true;

    private static async Task<IReadOnlyList<TaskRow>> SettleAsync(FaultSystem system, string scenario, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var rows = await ReadTasksAsync(system.LedgerConnectionString);
            if (rows.Where(r => IsOf(scenario, r)).All(r => Terminal.Contains(r.Status)) && (await QueueDepthsAsync(system)).Values.Sum() == 0
                || DateTime.UtcNow > deadline)
                return rows;
            await Task.Delay(500);
        }
    }

    /// <summary>Messages waiting (ready or unacknowledged) in the task and error queues of the system's virtual host.</summary>
    private static async Task<Dictionary<string, int>> QueueDepthsAsync(FaultSystem system)
    {
        var listing = await system.Rabbit.CtlAsync("list_queues", "-q", "--no-table-headers", "-p", system.VirtualHost, "name", "messages");
        var depths = new Dictionary<string, int>();
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = line.Split('\t');
            // Temporary per-process queues (responses, cancellations) are not where tasks wait.
            if (columns.Length == 2 && int.TryParse(columns[1], out var messages) && IsTaskQueue(columns[0]))
                depths[columns[0]] = messages;
        }
        return depths;
    }

    private static bool IsTaskQueue(string queue) =>
        queue is "email" or "task-state" or "task-faults" or "scheduler" || queue.EndsWith("_error", StringComparison.Ordinal) || queue.EndsWith("_skipped", StringComparison.Ordinal);

    /// <summary>Prints and records the report, then fails the scenario with every broken promise if there is one.</summary>
    public static async Task AssertHoldsAsync(LedgerReport report, FaultSystem system, Xunit.Abstractions.ITestOutputHelper output)
    {
        output.WriteLine(report.ToString());
        await RecordAsync(report);
        Assert.True(report.Holds, $"{report}; logs: {string.Join(", ", system.LogPaths)}");
    }

    /// <summary>Writes the report where scripts/test keeps its results, for the README's figures.</summary>
    public static async Task RecordAsync(LedgerReport report)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Bus.sln")))
            root = root.Parent;
        var folder = Path.Combine(root?.FullName ?? AppContext.BaseDirectory, "TestResults", "fault-suite");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, $"{report.Scenario}.json"),
            JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    }
}

public static class MailLedger
{
    /// <summary>EmailService gives every mail the Message-Id <c>&lt;{TaskId:N}@domain&gt;</c>: the task it was sent for.</summary>
    public static Guid? TaskIdOf(MimeKit.MimeMessage message) =>
        message.MessageId is { Length: >= 32 } id && Guid.TryParseExact(id[..32], "N", out var taskId) ? taskId : null;
}
