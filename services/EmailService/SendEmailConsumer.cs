using System.Data;
using Bus.Contracts.Email;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Bus.EmailService;

/// <summary>What <c>TaskCompleted.Result</c> holds for an e-mail task (camelCase JSON).</summary>
public sealed record SendEmailResult(string MessageId, IReadOnlyList<string> Recipients, string Subject);

public sealed class SendEmailConsumer(
    EmailComposer composer,
    SmtpEmailSender sender,
    EmailDbContext db,
    ILogger<SendEmailConsumer> logger) : IConsumer<SendEmail>
{
    private const int MaxErrorLength = 2000;
    private static readonly TimeSpan RecordSentFor = TimeSpan.FromMinutes(2);

    public async Task Consume(ConsumeContext<SendEmail> context)
    {
        var taskId = context.Message.TaskId;
        var cancellationToken = context.CancellationToken;

        var email = composer.Compose(context.Message);
        await context.ReportProgress(taskId, 20, "Message composed");

        // The row lock is held until commit, across the SMTP send: a concurrent delivery of this task waits, then reads "sent" and does not send again.
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var delivery = await LockDeliveryAsync(taskId, email, cancellationToken);
        if (delivery.Status == DeliveryStatus.Sent)
        {
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Task {TaskId} was already sent as {MessageId}; not sending it again", taskId, delivery.MessageId);
            await context.ReportCompleted(taskId, Result(delivery));
            return;
        }

        delivery.Attempts++;
        delivery.Recipients = [.. email.Recipients];
        delivery.Subject = email.Subject;
        await context.ReportProgress(taskId, 50, $"Sending to {email.Recipients.Count} recipient(s)");

        string response;
        try
        {
            response = await sender.SendAsync(email.Message, cancellationToken);
        }
        catch (Exception exception)
        {
            // The token is the attempt's own (ServiceDefaults' lifecycle filter): it fires when the task is cancelled or times out.
            logger.LogWarning(exception, "Attempt {Attempt} to send task {TaskId} failed ({Kind})", delivery.Attempts, taskId,
                cancellationToken.IsCancellationRequested ? "stopped: cancelled or timed out" : exception is PermanentTaskException ? "permanent" : "transient");
            await RecordFailureAsync(delivery, transaction, exception);
            throw;
        }

        var now = DateTimeOffset.UtcNow;
        delivery.Status = DeliveryStatus.Sent;
        delivery.MessageId = email.Message.MessageId;
        delivery.SmtpResponse = response;
        delivery.SentAt = now;
        delivery.UpdatedAt = now;
        delivery.LastError = null;
        // The relay already has the mail: cancelling the commit now would only turn a redelivery into a duplicate.
        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Task {TaskId} was sent but its ledger commit failed; recording it again until PostgreSQL answers", taskId);
            await RecordSentAsync(delivery);
        }

        logger.LogInformation("Task {TaskId} sent to {RecipientCount} recipient(s) as {MessageId} after {Attempts} attempt(s)",
            taskId, email.Recipients.Count, delivery.MessageId, delivery.Attempts);
        await context.ReportProgress(taskId, 90, "Accepted by the SMTP server");
        await context.ReportCompleted(taskId, Result(delivery));
    }

    /// <summary>Creates the task's ledger row if it is new, then locks it (the insert makes sure there is a row to lock).</summary>
    private async Task<Delivery> LockDeliveryAsync(Guid taskId, ComposedEmail email, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var recipients = email.Recipients.ToArray();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO email.deliveries (task_id, status, recipients, subject, attempts, created_at, updated_at)
            VALUES ({taskId}, 'pending', {recipients}, {email.Subject}, 0, {now}, {now})
            ON CONFLICT (task_id) DO NOTHING
            """, cancellationToken);
        var rows = await db.Deliveries
            .FromSql($"SELECT * FROM email.deliveries WHERE task_id = {taskId} FOR UPDATE")
            .AsTracking()
            .ToListAsync(cancellationToken);
        return rows.Single();
    }

    /// <summary>
    /// Records a mail the relay accepted after the ledger's own transaction was lost (PostgreSQL restarted or failed over
    /// while the mail was being sent): on a connection of its own, an upsert, retried with back-off for up to
    /// <see cref="RecordSentFor"/>. Giving up sooner would leave the task to a redelivery that sends the mail again.
    /// </summary>
    private async Task RecordSentAsync(Delivery delivery)
    {
        var deadline = DateTime.UtcNow + RecordSentFor;
        var wait = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(db.Database.GetConnectionString());
                await connection.OpenAsync();
                await using var upsert = new NpgsqlCommand("""
                    INSERT INTO email.deliveries (task_id, status, recipients, subject, message_id, smtp_response, attempts, last_error, created_at, updated_at, sent_at)
                    VALUES (@taskId, 'sent', @recipients, @subject, @messageId, @response, @attempts, NULL, @now, @now, @now)
                    ON CONFLICT (task_id) DO UPDATE SET status = 'sent', recipients = EXCLUDED.recipients, subject = EXCLUDED.subject,
                        message_id = EXCLUDED.message_id, smtp_response = EXCLUDED.smtp_response,
                        attempts = GREATEST(email.deliveries.attempts, EXCLUDED.attempts), last_error = NULL,
                        updated_at = EXCLUDED.updated_at, sent_at = EXCLUDED.sent_at
                    """, connection);
                upsert.Parameters.AddWithValue("taskId", delivery.TaskId);
                upsert.Parameters.AddWithValue("recipients", delivery.Recipients);
                upsert.Parameters.AddWithValue("subject", delivery.Subject);
                upsert.Parameters.AddWithValue("messageId", (object?)delivery.MessageId ?? DBNull.Value);
                upsert.Parameters.AddWithValue("response", (object?)delivery.SmtpResponse ?? DBNull.Value);
                upsert.Parameters.AddWithValue("attempts", delivery.Attempts);
                upsert.Parameters.AddWithValue("now", delivery.SentAt ?? DateTimeOffset.UtcNow);
                await upsert.ExecuteNonQueryAsync();
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && DateTime.UtcNow + wait < deadline)
            {
                await Task.Delay(wait);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task RecordFailureAsync(Delivery delivery, IDbContextTransaction transaction, Exception exception)
    {
        try
        {
            delivery.Status = DeliveryStatus.Failed;
            delivery.LastError = $"{exception.GetType().Name}: {exception.Message}" is var error && error.Length > MaxErrorLength
                ? error[..MaxErrorLength]
                : error;
            delivery.UpdatedAt = DateTimeOffset.UtcNow;
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception recordException)
        {
            logger.LogWarning(recordException, "Could not record the failed attempt of task {TaskId}", delivery.TaskId);
        }
    }

    private static SendEmailResult Result(Delivery delivery) =>
        new(delivery.MessageId ?? "", delivery.Recipients, delivery.Subject);
}
