using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.IntegrationService;

/// <summary>
/// Dead-letter alerts: for every task that fails for good, one <c>slack_alert</c> task with its id, type, queue, reason
/// and link. Exactly one per failure, however often the event is delivered: the failure is recorded in
/// <c>integration.dead_letter_alerts</c> in the same transaction that sends the alert, and the alert task's id is
/// derived from the failure, so even a send whose commit was lost is recognised by the task saga as the same task.
/// A failed <c>slack_alert</c> raises no alert (recorded without an alert task): with Slack down, alerts about alerts
/// would never end.
/// </summary>
public sealed class DeadLetterAlertConsumer(
    IOptions<PostgresOptions> postgres, IOptionsMonitor<SlackOptions> slack, ILogger<DeadLetterAlertConsumer> logger)
    : IConsumer<TaskDeadLettered>
{
    private const int MaxReasonLength = 1000;
    private static readonly Uri TaskStateAddress = new($"queue:{QueueNames.TaskState}");

    public async Task Consume(ConsumeContext<TaskDeadLettered> context)
    {
        var failure = context.Message;
        var aboutAnAlert = failure.Type == TaskRoutes.SlackAlert.Type;
        var settings = slack.CurrentValue;
        if (!aboutAnAlert && !settings.IsConfigured)
        {
            logger.LogWarning("Task {TaskId} ({Type}) failed for good; no alert: {Section}:WebhookUrl is not configured", failure.TaskId, failure.Type, SlackOptions.Section);
            return;
        }

        var failedAt = Utc(failure.FailedAt);
        Guid? alertTaskId = aboutAnAlert ? null : AlertTaskId(failure.TaskId, failedAt);
        await using var connection = new NpgsqlConnection(postgres.Value.ConnectionString);
        await connection.OpenAsync(context.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(context.CancellationToken);
        await using var record = new NpgsqlCommand($"""
            INSERT INTO {IntegrationSchema.Schema}.dead_letter_alerts (task_id, failed_at, task_type, alert_task_id)
            VALUES (@taskId, @failedAt, @type, @alertTaskId)
            ON CONFLICT DO NOTHING
            """, connection, transaction);
        record.Parameters.AddWithValue("taskId", failure.TaskId);
        record.Parameters.AddWithValue("failedAt", failedAt);
        record.Parameters.AddWithValue("type", failure.Type);
        record.Parameters.AddWithValue("alertTaskId", alertTaskId is { } id ? id : DBNull.Value);
        if (await record.ExecuteNonQueryAsync(context.CancellationToken) == 0)
        {
            logger.LogInformation("Task {TaskId}: this failure was handled already", failure.TaskId);
            return;
        }

        if (alertTaskId is { } alert)
        {
            var data = JsonSerializer.SerializeToElement(new { text = AlertText(failure, settings) });
            var endpoint = await context.GetSendEndpoint(TaskStateAddress);
            await endpoint.Send(new SubmitTask(alert, TaskRoutes.SlackAlert.Type, data), context.CancellationToken);
        }
        await transaction.CommitAsync(context.CancellationToken);
        if (alertTaskId is null)
            logger.LogWarning("Alert task {TaskId} failed for good ({Reason}); alerts about alerts are not sent", failure.TaskId, failure.Reason);
        else
            logger.LogInformation("Task {TaskId} ({Type}) failed for good: alert task {AlertTaskId} submitted", failure.TaskId, failure.Type, alertTaskId);
    }

    public static string AlertText(TaskDeadLettered failure, SlackOptions settings)
    {
        var reason = failure.Reason.Length <= MaxReasonLength ? failure.Reason : failure.Reason[..MaxReasonLength] + "…";
        var text = new StringBuilder()
            .AppendLine($":rotating_light: Task failed for good: *{Or(failure.Type, "unknown type")}* on queue `{Or(failure.Queue, "unknown")}`")
            .AppendLine($"Task: {failure.TaskId}")
            .AppendLine($"Reason: {failure.ExceptionType}: {reason}");
        if (!string.IsNullOrWhiteSpace(settings.TaskLinkBase))
            text.AppendLine($"Link: {settings.TaskLinkBase.TrimEnd('/')}/{failure.TaskId}");
        return text.ToString().TrimEnd();
    }

    /// <summary>A name-based id (RFC 9562 version 8) for the alert of one failure: the same failure always gets the same alert task.</summary>
    public static Guid AlertTaskId(Guid taskId, DateTime failedAt)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"bus:dead-letter-alert:{taskId:N}:{failedAt.Ticks}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    private static DateTime Utc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();

    private static string Or(string value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value;
}

/// <summary>Endpoint <c>integration-dead-letters</c>: brief retries (PostgreSQL or the broker hiccuping), then its error queue.</summary>
public sealed class DeadLetterAlertConsumerDefinition : ConsumerDefinition<DeadLetterAlertConsumer>
{
    public const string Queue = "integration-dead-letters";

    public DeadLetterAlertConsumerDefinition() => Endpoint(e => e.Name = Queue);

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<DeadLetterAlertConsumer> consumer, IRegistrationContext context) =>
        endpoint.UseMessageRetry(retry => retry.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)));
}
