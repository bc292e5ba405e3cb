using Bus.Contracts.Tasks;

namespace Bus.Contracts.Integration;

/// <summary>Where a reminder goes: an e-mail address, a phone number (E.164), or both.</summary>
public record ReminderContact(string? Email = null, string? Phone = null);

/// <summary>
/// Schedules the reminders of one booking — 24 h, 1 h and 15 min before <c>BookingTime</c> — as delayed child tasks
/// (<c>email_notification</c> to the e-mail address, <c>sms_notification</c> to the phone). Times already past are
/// skipped. Task type <c>booking_reminder</c>, queue <c>integration</c>.
/// </summary>
public record ScheduleBookingReminders(
    Guid TaskId,
    string BookingId,
    DateTimeOffset BookingTime,
    ReminderContact Contact,
    string? Name = null,
    string? Details = null) : ITaskCommand;

/// <summary>
/// Schedules one reminder before a payment's due date (IntegrationService's <c>Integration:Reminders:PaymentLead</c>,
/// 24 h by default); skipped if that time is past. Task type <c>payment_reminder</c>, queue <c>integration</c>.
/// </summary>
public record SchedulePaymentReminder(
    Guid TaskId,
    string PaymentId,
    DateTimeOffset DueAt,
    ReminderContact Contact,
    decimal? Amount = null,
    string? Currency = null) : ITaskCommand;
