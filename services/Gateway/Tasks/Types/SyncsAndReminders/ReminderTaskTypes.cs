using System.Text.Json;
using System.Text.RegularExpressions;
using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types.SyncsAndReminders;

/// <summary>
/// <c>booking_reminder</c>: <c>bookingId</c>, <c>bookingTime</c> (ISO 8601 with offset), <c>contact</c>
/// (<c>email</c> and/or <c>phone</c>), optional <c>name</c> and <c>details</c> — as the booking system we replace sends it.
/// </summary>
public sealed class BookingReminderTaskType : ITaskType
{
    private static readonly HashSet<string> Fields = ["bookingId", "bookingTime", "contact", "name", "details"];

    public TaskRoute Route => TaskRoutes.BookingReminder;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        bookingId = "BK-1042",
        bookingTime = "2026-12-24T18:30:00-03:00",
        contact = new { email = "ada@example.com", phone = "+5493511234567" },
        name = "Ada",
        details = "Table for 4, Av. Colón 1234",
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var bookingId = reader.ReadString(data, "bookingId", required: true, 200);
        var bookingTime = reader.ReadInstant(data, "bookingTime", required: true);
        var contact = ReminderContactReader.Read(reader, data);
        var name = reader.ReadString(data, "name", required: false, 200);
        var details = reader.ReadString(data, "details", required: false, 2000);

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new ScheduleBookingReminders(taskId, bookingId!, bookingTime!.Value, contact!, name, details));
    }
}

/// <summary><c>payment_reminder</c>: <c>paymentId</c>, <c>dueAt</c> (ISO 8601 with offset), <c>contact</c>, optional <c>amount</c> and <c>currency</c>.</summary>
public sealed class PaymentReminderTaskType : ITaskType
{
    private static readonly HashSet<string> Fields = ["paymentId", "dueAt", "contact", "amount", "currency"];

    public TaskRoute Route => TaskRoutes.PaymentReminder;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        paymentId = "INV-2026-0042",
        dueAt = "2026-12-31T23:59:00-03:00",
        contact = new { email = "ada@example.com" },
        amount = 1250.50m,
        currency = "ARS",
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var paymentId = reader.ReadString(data, "paymentId", required: true, 200);
        var dueAt = reader.ReadInstant(data, "dueAt", required: true);
        var contact = ReminderContactReader.Read(reader, data);
        var amount = ReadAmount(reader, data);
        var currency = reader.ReadString(data, "currency", required: false, 3);
        if (currency is not null && !Regex.IsMatch(currency, "^[A-Z]{3}$"))
            reader.AddError(reader.PathOf("currency"), "must be an ISO 4217 code such as USD");

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new SchedulePaymentReminder(taskId, paymentId!, dueAt!.Value, contact!, amount, currency));
    }

    private static decimal? ReadAmount(JsonFieldReader reader, JsonElement data)
    {
        if (!data.TryGetProperty("amount", out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var amount) && amount >= 0)
            return amount;
        reader.AddError(reader.PathOf("amount"), "must be a number, zero or more");
        return null;
    }
}

/// <summary><c>contact</c>: an object with <c>email</c> and/or <c>phone</c> (E.164), at least one of them.</summary>
public static partial class ReminderContactReader
{
    private static readonly HashSet<string> Fields = ["email", "phone"];

    public static ReminderContact? Read(JsonFieldReader reader, JsonElement data)
    {
        var path = reader.PathOf("contact");
        if (!data.TryGetProperty("contact", out var contact) || contact.ValueKind == JsonValueKind.Null)
        {
            reader.AddError(path, "is required");
            return null;
        }
        var inner = new JsonFieldReader(path);
        if (inner.RequireObject(contact, Fields))
        {
            var email = inner.ReadString(contact, "email", required: false, 254);
            var phone = inner.ReadString(contact, "phone", required: false, 20);
            if (email is not null && !EmailNotificationTaskType.IsPlainAddress(email))
                inner.AddError(inner.PathOf("email"), $"'{email}' is not a valid e-mail address");
            if (phone is not null && !PhoneNumber().IsMatch(phone))
                inner.AddError(inner.PathOf("phone"), "must be a phone number in E.164 form, e.g. +15551234567");
            if (!inner.HasErrors && email is null && phone is null)
                inner.AddError(path, "needs an email or a phone");
            if (!inner.HasErrors)
                return new ReminderContact(email, phone);
        }
        foreach (var (field, messages) in inner.Errors)
            foreach (var message in messages)
                reader.AddError(field, message);
        return null;
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex PhoneNumber();
}
