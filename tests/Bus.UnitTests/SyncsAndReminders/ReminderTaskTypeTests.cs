using System.Text.Json;
using Bus.Contracts.Integration;
using Bus.Gateway.Tasks.Types.SyncsAndReminders;

namespace Bus.UnitTests.SyncsAndReminders;

public sealed class ReminderTaskTypeTests
{
    [Fact]
    public void The_booking_systems_body_becomes_the_command_with_its_offset_kept()
    {
        var result = new BookingReminderTaskType().CreateCommand(Guid.NewGuid(), Json("""
            {"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00-03:00","contact":{"email":"ada@example.com","phone":"+5493511234567"},"name":"Ada"}
            """));

        var command = Assert.IsType<ScheduleBookingReminders>(result.Command);
        Assert.Equal(new DateTimeOffset(2026, 12, 24, 21, 30, 0, TimeSpan.Zero), command.BookingTime);
        Assert.Equal(new ReminderContact("ada@example.com", "+5493511234567"), command.Contact);
    }

    [Theory]
    [InlineData("""{"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00","contact":{"email":"ada@example.com"}}""", "data.bookingTime")]
    [InlineData("""{"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00Z","contact":{}}""", "data.contact")]
    [InlineData("""{"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00Z"}""", "data.contact")]
    [InlineData("""{"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00Z","contact":{"phone":"3511234567"}}""", "data.contact.phone")]
    [InlineData("""{"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00Z","contact":{"email":"not-an-address"}}""", "data.contact.email")]
    [InlineData("""{"bookingId":"BK-1","bookingTime":"2026-12-24T18:30:00Z","contact":{"email":"a@example.com","fax":"1"}}""", "data.contact.fax")]
    [InlineData("""{"bookingTime":"2026-12-24T18:30:00Z","contact":{"email":"a@example.com"}}""", "data.bookingId")]
    public void A_bad_booking_reminder_names_the_field(string data, string field)
    {
        var result = new BookingReminderTaskType().CreateCommand(Guid.NewGuid(), Json(data));

        Assert.False(result.IsValid);
        Assert.Contains(field, result.Errors.Keys);
    }

    [Theory]
    [InlineData("""{"paymentId":"P-1","dueAt":"2026-12-31T23:59:00Z","contact":{"email":"a@example.com"},"amount":-1}""", "data.amount")]
    [InlineData("""{"paymentId":"P-1","dueAt":"2026-12-31T23:59:00Z","contact":{"email":"a@example.com"},"currency":"usd"}""", "data.currency")]
    [InlineData("""{"paymentId":"P-1","contact":{"email":"a@example.com"}}""", "data.dueAt")]
    public void A_bad_payment_reminder_names_the_field(string data, string field)
    {
        var result = new PaymentReminderTaskType().CreateCommand(Guid.NewGuid(), Json(data));

        Assert.False(result.IsValid);
        Assert.Contains(field, result.Errors.Keys);
    }

    [Fact]
    public void A_sync_takes_no_data()
    {
        Assert.IsType<SyncSerpramReadings>(new SerpramSyncTaskType().CreateCommand(Guid.NewGuid(), Json("{}")).Command);
        Assert.Contains("data.url", new AytSyncTaskType().CreateCommand(Guid.NewGuid(), Json("""{"url":"http://10.0.0.1/"}""")).Errors.Keys);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
