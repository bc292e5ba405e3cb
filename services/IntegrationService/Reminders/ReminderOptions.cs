using System.ComponentModel.DataAnnotations;

namespace Bus.IntegrationService.Reminders;

/// <summary>Reminder settings, bound from <c>Integration:Reminders</c>.</summary>
public sealed class ReminderOptions
{
    public const string Section = "Integration:Reminders";

    /// <summary>How long before its due date a payment reminder goes out.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan PaymentLead { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long scheduling one child task may wait for the task saga's answer before the attempt is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan SubmitTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
