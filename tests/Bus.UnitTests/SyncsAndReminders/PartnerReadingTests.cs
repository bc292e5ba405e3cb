extern alias integration;
using System.Text.Json;
using integration::Bus.IntegrationService.Reminders;
using integration::Bus.IntegrationService.Syncs;
using Bus.ServiceDefaults.Messaging;

namespace Bus.UnitTests.SyncsAndReminders;

public sealed class PartnerReadingTests
{
    [Fact]
    public void A_page_of_readings_is_parsed_with_string_or_integer_ids()
    {
        var readings = PartnerReading.ParsePage(Json("""
            [{"id":"r1","stationId":7,"measuredAt":"2026-11-30T12:00:00-03:00","value":17.25,"unit":"ug/m3","extra":true},
             {"id":42,"stationId":"st-2","measuredAt":"2026-11-30T15:05:00Z","value":-1e2}]
            """), 1);

        Assert.Equal(new PartnerReading("r1", "7", new DateTimeOffset(2026, 11, 30, 15, 0, 0, TimeSpan.Zero), 17.25m, "ug/m3"), readings[0]);
        Assert.Equal(new PartnerReading("42", "st-2", new DateTimeOffset(2026, 11, 30, 15, 5, 0, TimeSpan.Zero), -100m, null), readings[1]);
    }

    [Theory]
    [InlineData("""{"items":[]}""", "page 3: expected a JSON array")]
    [InlineData("""[1]""", "page 3, row 0: expected an object")]
    [InlineData("""[{"stationId":"s","measuredAt":"2026-11-30T12:00:00Z","value":1}]""", "page 3, row 0: id")]
    [InlineData("""[{"id":"a","stationId":"s","measuredAt":"2026-11-30T12:00:00","value":1}]""", "page 3, row 0: measuredAt")]
    [InlineData("""[{"id":"a","stationId":"s","measuredAt":"2026-11-30T12:00:00Z","value":"1"}]""", "page 3, row 0: value")]
    [InlineData("""[{"id":"a","stationId":"s","measuredAt":"2026-11-30T12:00:00Z","value":1},{"id":"b","stationId":"s","measuredAt":"2026-11-30T12:00:00Z","value":1,"unit":5}]""", "page 3, row 1: unit")]
    public void A_malformed_page_fails_permanently_naming_the_row(string page, string reason)
    {
        var failure = Assert.Throws<PermanentTaskException>(() => PartnerReading.ParsePage(Json(page), 3));

        Assert.StartsWith(reason, failure.Message);
    }

    [Fact]
    public void A_reminders_child_id_depends_only_on_its_parent_slot_and_type()
    {
        var parent = Guid.NewGuid();

        Assert.Equal(ReminderScheduler.ChildTaskId(parent, "1h", "email_notification"), ReminderScheduler.ChildTaskId(parent, "1h", "email_notification"));
        Assert.NotEqual(ReminderScheduler.ChildTaskId(parent, "1h", "email_notification"), ReminderScheduler.ChildTaskId(parent, "15m", "email_notification"));
        Assert.NotEqual(ReminderScheduler.ChildTaskId(parent, "1h", "email_notification"), ReminderScheduler.ChildTaskId(parent, "1h", "sms_notification"));
        Assert.NotEqual(ReminderScheduler.ChildTaskId(parent, "1h", "email_notification"), ReminderScheduler.ChildTaskId(Guid.NewGuid(), "1h", "email_notification"));
        Assert.Equal(8, ReminderScheduler.ChildTaskId(parent, "1h", "email_notification").Version);
    }

    [Theory]
    [InlineData(false, "Scheduled", "Scheduled")]
    [InlineData(false, "Queued", "Scheduled")]
    [InlineData(false, null, "Scheduled")]
    [InlineData(false, "Cancelled", "Cancelled")]
    [InlineData(true, null, "Existing")]
    public void A_reminders_outcome_is_what_the_saga_recorded_for_the_child(bool duplicate, string? recorded, string expected)
    {
        var outcome = ReminderScheduler.OutcomeOf(new Bus.Contracts.Tasks.TaskAccepted(Guid.NewGuid(), duplicate, recorded));

        Assert.Equal(expected, outcome);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
