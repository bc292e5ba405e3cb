using Quartz;

namespace Bus.Scheduler.MessageScheduling;

/// <summary>Where the message scheduler keeps its jobs in Quartz: one job and one trigger of the same key per message or recurring schedule.</summary>
public static class ScheduleKeys
{
    /// <summary>One-off scheduled messages, named by their scheduling token (ScheduleMessage.CorrelationId).</summary>
    public const string MessageGroup = "scheduled-messages";

    /// <summary>Recurring messages: the group is this prefix and the sender's ScheduleGroup, the name its ScheduleId.</summary>
    public const string RecurringGroupPrefix = "recurring-messages:";

    public static JobKey ForMessage(Guid tokenId) => new(tokenId.ToString("D"), MessageGroup);

    public static TriggerKey TriggerForMessage(Guid tokenId) => new(tokenId.ToString("D"), MessageGroup);

    public static JobKey ForRecurring(string scheduleId, string? scheduleGroup) => new(scheduleId, RecurringGroup(scheduleGroup));

    public static TriggerKey TriggerForRecurring(string scheduleId, string? scheduleGroup) => new(scheduleId, RecurringGroup(scheduleGroup));

    public static bool IsRecurring(JobKey key) => key.Group.StartsWith(RecurringGroupPrefix, StringComparison.Ordinal);

    /// <summary>The sender's ScheduleGroup back from a recurring job's group.</summary>
    public static string ScheduleGroupOf(JobKey key) => key.Group[RecurringGroupPrefix.Length..];

    private static string RecurringGroup(string? scheduleGroup) =>
        RecurringGroupPrefix + (string.IsNullOrWhiteSpace(scheduleGroup) ? "default" : scheduleGroup);
}
