using System.ComponentModel.DataAnnotations;

namespace Bus.IntegrationService;

/// <summary>Slack: where <c>slack_alert</c> and the failed-task alerts go, bound from <c>Integration:Slack</c>.</summary>
public sealed class SlackOptions
{
    public const string Section = "Integration:Slack";

    /// <summary>The incoming-webhook URL (a secret: whoever has it can post). Unset: no failed-task alerts, and <c>slack_alert</c> fails.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>A failed-task alert links to this followed by the task id, e.g. <c>https://bus.example.com/tasks/</c>.</summary>
    public string? TaskLinkBase { get; set; }

    [Range(1, 10, ErrorMessage = "Integration:Slack:Attempts must be between 1 and 10")]
    public int Attempts { get; set; } = 3;

    /// <summary>The fixed wait between attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Integration:Slack:AttemptDelay must be between 00:00:00 and 00:01:00")]
    public TimeSpan AttemptDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Integration:Slack:AttemptTimeout must be between 00:00:00.100 and 00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(WebhookUrl);
}
