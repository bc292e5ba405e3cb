using System.Globalization;
using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService.Reminders;

/// <summary><c>booking_reminder</c>: reminders 24 h, 1 h and 15 min before the booking, as the booking system we replace sends them.</summary>
public sealed class BookingReminderConsumer(ReminderScheduler scheduler) : IConsumer<ScheduleBookingReminders>
{
    public static readonly IReadOnlyList<(string Slot, TimeSpan Lead, string Words)> Leads =
    [
        ("24h", TimeSpan.FromHours(24), "tomorrow"),
        ("1h", TimeSpan.FromHours(1), "in 1 hour"),
        ("15m", TimeSpan.FromMinutes(15), "in 15 minutes"),
    ];

    public async Task Consume(ConsumeContext<ScheduleBookingReminders> context)
    {
        var booking = context.Message;
        var when = booking.BookingTime.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
        var greeting = booking.Name is { Length: > 0 } name ? $"Hello {name}, your" : "Your";
        var reminders = Leads.Select(lead => new Reminder(
            lead.Slot,
            booking.BookingTime - lead.Lead,
            $"Reminder: booking {booking.BookingId} {lead.Words}",
            $"{greeting} booking {booking.BookingId} is {lead.Words}, at {when}." + (booking.Details is { Length: > 0 } details ? $" {details}" : "")));
        var result = await scheduler.ScheduleAsync(booking.TaskId, booking.Contact, reminders, context.CancellationToken);
        await context.ReportCompleted(booking.TaskId, result);
    }
}

/// <summary><c>payment_reminder</c>: one reminder <c>Integration:Reminders:PaymentLead</c> before the payment is due.</summary>
public sealed class PaymentReminderConsumer(ReminderScheduler scheduler, IOptions<ReminderOptions> options) : IConsumer<SchedulePaymentReminder>
{
    public async Task Consume(ConsumeContext<SchedulePaymentReminder> context)
    {
        var payment = context.Message;
        var due = payment.DueAt.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
        var amount = payment.Amount is { } value ? $" of {value.ToString("0.00", CultureInfo.InvariantCulture)}{(payment.Currency is { } currency ? $" {currency}" : "")}" : "";
        var reminder = new Reminder(
            "due",
            payment.DueAt - options.Value.PaymentLead,
            $"Reminder: payment {payment.PaymentId} is due {due}",
            $"Your payment {payment.PaymentId}{amount} is due {due}.");
        var result = await scheduler.ScheduleAsync(payment.TaskId, payment.Contact, [reminder], context.CancellationToken);
        await context.ReportCompleted(payment.TaskId, result);
    }
}
