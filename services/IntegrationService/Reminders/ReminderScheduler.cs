using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bus.Contracts.Integration;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService.Reminders;

/// <summary>One reminder to send at <c>RunAt</c>: which slot (<c>24h</c>, <c>1h</c>, <c>15m</c>, <c>due</c>), and the text.</summary>
public sealed record Reminder(string Slot, DateTimeOffset RunAt, string Subject, string Text);

/// <summary>One reminder a reminder task considered: scheduled as child task <c>TaskId</c>, already scheduled earlier, cancelled with its parent, or skipped (its time was past).</summary>
public sealed record ScheduledReminder(string Slot, string Type, DateTimeOffset RunAt, string Status, Guid? TaskId);

/// <summary>The result of <c>booking_reminder</c> and <c>payment_reminder</c>.</summary>
public sealed record RemindersScheduled(int Scheduled, int Skipped, IReadOnlyList<ScheduledReminder> Reminders);

/// <summary>
/// Submits reminders as delayed child tasks through the task saga (<see cref="SubmitTask"/> with <c>RunAt</c> and
/// <c>ParentTaskId</c>): an <c>email_notification</c> to the contact's address, an <c>sms_notification</c> to the phone.
/// Each child's id and idempotency key (<c>&lt;parentId&gt;:&lt;slot&gt;</c>, per type) derive from the parent, so a
/// redelivered parent finds its children instead of scheduling them twice.
/// </summary>
public sealed class ReminderScheduler(IRequestClient<SubmitTask> submit, IOptions<ReminderOptions> options, TimeProvider clock)
{
    public async Task<RemindersScheduled> ScheduleAsync(Guid parentTaskId, ReminderContact contact, IEnumerable<Reminder> reminders, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var outcomes = new List<ScheduledReminder>();
        var rejected = new List<string>();
        foreach (var reminder in reminders)
        {
            foreach (var (type, data) in Channels(contact, reminder))
            {
                if (reminder.RunAt <= now)
                {
                    outcomes.Add(new ScheduledReminder(reminder.Slot, type, reminder.RunAt, "Skipped", null));
                    continue;
                }
                var childId = ChildTaskId(parentTaskId, reminder.Slot, type);
                var command = new SubmitTask(childId, type, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web),
                    IdempotencyKey: $"{parentTaskId}:{reminder.Slot}", RunAt: reminder.RunAt.UtcDateTime, ParentTaskId: parentTaskId);
                var response = await submit.GetResponse<TaskAccepted, TaskRejected>(command, TaskSagaRequests.NeverExpire, cancellationToken, RequestTimeout.After(ms: (int)options.Value.SubmitTimeout.TotalMilliseconds));
                if (response.Is(out Response<TaskAccepted>? accepted))
                    outcomes.Add(new ScheduledReminder(reminder.Slot, type, reminder.RunAt, OutcomeOf(accepted.Message), accepted.Message.TaskId));
                else if (response.Is(out Response<TaskRejected>? refusal))
                    rejected.Add($"{reminder.Slot} {type}: {string.Join("; ", refusal.Message.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"))}");
            }
        }
        if (rejected.Count > 0)
            throw new PermanentTaskException($"reminders refused by the task saga: {string.Join(" | ", rejected)}");
        return new RemindersScheduled(outcomes.Count(o => o.Status is "Scheduled" or "Existing"), outcomes.Count(o => o.Status == "Skipped"), outcomes);
    }

    /// <summary>
    /// <c>Cancelled</c> when the saga recorded the child cancelled on arrival (its parent was being cancelled while this
    /// task scheduled it); <c>Existing</c> for a child an earlier delivery of the parent already submitted.
    /// </summary>
    public static string OutcomeOf(TaskAccepted accepted) => accepted switch
    {
        { Duplicate: true } => "Existing",
        { Status: "Cancelled" } => "Cancelled",
        _ => "Scheduled",
    };

    private static IEnumerable<(string Type, object Data)> Channels(ReminderContact contact, Reminder reminder)
    {
        if (contact.Email is { } email)
            yield return (TaskRoutes.EmailNotification.Type, new { to = email, subject = reminder.Subject, body = reminder.Text });
        if (contact.Phone is { } phone)
            yield return ("sms_notification", new { to = phone, message = reminder.Text });
    }

    /// <summary>A name-based id (RFC 9562 version 8): the same parent, slot and type always give the same child.</summary>
    public static Guid ChildTaskId(Guid parentTaskId, string slot, string type)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{parentTaskId:N}|{slot}|{type}"));
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
