using System.Data;
using Bus.Contracts.Email;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

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
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);

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
