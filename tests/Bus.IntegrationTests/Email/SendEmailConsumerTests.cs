extern alias email;

using Bus.Contracts.Email;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using email::Bus.EmailService;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SmtpServer.Protocol;

using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Email;

public sealed class SendEmailConsumerTests(EmailDatabaseFixture database) : IClassFixture<EmailDatabaseFixture>
{
    private const int TestTimeoutMs = 90_000;
    private static readonly TimeSpan[] ShortRetries = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100)];

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_templated_email_reaches_the_smtp_server_rendered_for_its_recipients()
    {
        await using var smtp = await TestSmtpServer.StartAsync();
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var taskId = Guid.NewGuid();

        await service.SendAsync(new SendEmail(taskId, ["Ada Lovelace <ada@example.com>"], Template: EmailTemplates.Verify,
            Variables: new Dictionary<string, string>
            {
                ["firstName"] = "Ada <3",
                ["verificationLink"] = "https://bus.example.com/verify?token=t0k&user=7",
            },
            Cc: ["charles@example.com"]));

        var completed = (await service.WaitForPublished<TaskCompleted>(m => m.TaskId == taskId)).Single();
        var mail = Assert.Single(smtp.Received);
        var message = mail.Message;
        Assert.Equal(["ada@example.com", "charles@example.com"], mail.EnvelopeRecipients.Order());
        Assert.Equal("ada@example.com", message.To.Mailboxes.Single().Address);
        Assert.Equal("charles@example.com", message.Cc.Mailboxes.Single().Address);
        Assert.Equal("bus@bus.test", message.From.Mailboxes.Single().Address);
        Assert.Equal("Confirm your e-mail address", message.Subject);
        Assert.Contains("Hi Ada &lt;3,", message.HtmlBody);
        Assert.Contains("href=\"https://bus.example.com/verify?token=t0k&amp;user=7\"", message.HtmlBody);
        Assert.Contains("Hi Ada <3,", message.TextBody);
        Assert.Contains("https://bus.example.com/verify?token=t0k&user=7", message.TextBody);
        Assert.IsType<MultipartAlternative>(message.Body);

        var result = completed.Result!.Value;
        Assert.Equal(message.MessageId, result.GetProperty("messageId").GetString());
        Assert.Equal(["ada@example.com", "charles@example.com"], result.GetProperty("recipients").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Confirm your e-mail address", result.GetProperty("subject").GetString());

        var started = Assert.Single(service.Claims(taskId));
        Assert.Equal(("email_notification", "email"), (started.Type, started.Queue));
        Assert.NotEmpty(service.Published<TaskProgressed>(m => m.TaskId == taskId));
        Assert.Empty(service.Published<TaskAttemptFailed>(m => m.TaskId == taskId));

        var delivery = await database.FindDeliveryAsync(service.Services, taskId);
        Assert.NotNull(delivery);
        Assert.Equal(DeliveryStatus.Sent, delivery.Status);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal(message.MessageId, delivery.MessageId);
        Assert.NotNull(delivery.SentAt);
    }

    [Theory(Timeout = TestTimeoutMs)]
    [InlineData(false, "text/plain")]
    [InlineData(true, "text/html")]
    public async Task A_plain_email_is_sent_as_given(bool isHtml, string mimeType)
    {
        await using var smtp = await TestSmtpServer.StartAsync();
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var taskId = Guid.NewGuid();

        await service.SendAsync(new SendEmail(taskId, ["ops@example.com"], "Export ready", "<p>Your export is ready.</p>", IsHtml: isHtml));

        await service.WaitForPublished<TaskCompleted>(m => m.TaskId == taskId);
        var message = Assert.Single(smtp.Received).Message;
        Assert.Equal("Export ready", message.Subject);
        var part = Assert.IsType<TextPart>(message.Body);
        Assert.Equal(mimeType, part.ContentType.MimeType);
        Assert.Equal("<p>Your export is ready.</p>", part.Text.TrimEnd());
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_same_SendEmail_delivered_twice_sends_one_mail_and_completes_twice()
    {
        await using var smtp = await TestSmtpServer.StartAsync();
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var command = Welcome(Guid.NewGuid());

        await service.SendAsync(command);
        await service.WaitForPublished<TaskCompleted>(m => m.TaskId == command.TaskId);
        await service.SendAsync(command);
        var completed = await service.WaitForPublished<TaskCompleted>(m => m.TaskId == command.TaskId, count: 2);

        Assert.Equal(2, service.Claims(command.TaskId).Count);
        Assert.Single(smtp.Received);
        Assert.Single(completed.Select(MessageIdOf).Distinct());
        Assert.Equal(1, (await database.FindDeliveryAsync(service.Services, command.TaskId))!.Attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Concurrent_deliveries_of_a_new_task_send_one_mail()
    {
        await using var smtp = await TestSmtpServer.StartAsync(acceptDelay: TimeSpan.FromSeconds(1));
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var command = Welcome(Guid.NewGuid());

        await Task.WhenAll(service.SendAsync(command), service.SendAsync(command));
        await service.WaitForPublished<TaskCompleted>(m => m.TaskId == command.TaskId, count: 2);

        Assert.Single(smtp.Received);
        Assert.Equal(1, (await database.FindDeliveryAsync(service.Services, command.TaskId))!.Attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Concurrent_redeliveries_after_a_failed_attempt_send_one_mail()
    {
        await using var smtp = await TestSmtpServer.StartAsync(acceptDelay: TimeSpan.FromSeconds(1));
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var command = Welcome(Guid.NewGuid());
        await SeedFailedDeliveryAsync(service.Services, command.TaskId);

        await Task.WhenAll(service.SendAsync(command), service.SendAsync(command));
        await service.WaitForPublished<TaskCompleted>(m => m.TaskId == command.TaskId, count: 2);

        Assert.Equal(2, service.Claims(command.TaskId).Count);
        Assert.Single(smtp.Received);
        var delivery = await database.FindDeliveryAsync(service.Services, command.TaskId);
        Assert.Equal((DeliveryStatus.Sent, 2), (delivery!.Status, delivery.Attempts));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_recipient_rejected_with_550_faults_after_one_attempt()
    {
        await using var smtp = await TestSmtpServer.StartAsync(rejectRecipient: address => address == "gone@example.com"
            ? new SmtpResponse((SmtpReplyCode)550, "5.1.1 <gone@example.com>: mailbox unavailable")
            : null);
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var taskId = Guid.NewGuid();

        await service.SendAsync(Welcome(taskId) with { To = ["ok@example.com", "gone@example.com"] });

        var fault = (await service.WaitForPublished<Fault<SendEmail>>(f => f.Message.TaskId == taskId)).Single();
        Assert.Equal(typeof(PermanentTaskException).FullName, fault.Exceptions.First().ExceptionType);
        await AssertNoRetryFollows(service, taskId);
        Assert.Single(service.Claims(taskId));
        var failed = Assert.Single(service.Published<TaskAttemptFailed>(m => m.TaskId == taskId));
        Assert.Contains("550", failed.Message);
        Assert.Empty(service.Published<TaskCompleted>(m => m.TaskId == taskId));
        Assert.Empty(smtp.Received);

        var delivery = await database.FindDeliveryAsync(service.Services, taskId);
        Assert.Equal((DeliveryStatus.Failed, 1), (delivery!.Status, delivery.Attempts));
        Assert.Contains("gone@example.com", delivery.LastError);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_4xx_reply_is_retried_with_every_interval_then_faults()
    {
        await using var smtp = await TestSmtpServer.StartAsync(rejectRecipient: _ =>
            new SmtpResponse((SmtpReplyCode)451, "4.3.0 try again later"));
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var taskId = Guid.NewGuid();

        await service.SendAsync(Welcome(taskId));

        await service.WaitForPublished<Fault<SendEmail>>(f => f.Message.TaskId == taskId);
        var attempts = EmailServiceHost.AttemptsBeforeFault(ShortRetries);
        Assert.Equal(attempts, service.Claims(taskId).Count);
        Assert.Equal(attempts, service.Published<TaskAttemptFailed>(m => m.TaskId == taskId).Count);
        Assert.Equal(attempts, (await database.FindDeliveryAsync(service.Services, taskId))!.Attempts);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_smtp_server_that_is_down_is_retried_then_faults()
    {
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, FreePort.Next(), ShortRetries);
        var taskId = Guid.NewGuid();

        await service.SendAsync(Welcome(taskId));

        var fault = (await service.WaitForPublished<Fault<SendEmail>>(f => f.Message.TaskId == taskId)).Single();
        Assert.NotEqual(typeof(PermanentTaskException).FullName, fault.Exceptions.First().ExceptionType);
        var attempts = EmailServiceHost.AttemptsBeforeFault(ShortRetries);
        Assert.Equal(attempts, service.Claims(taskId).Count);
        Assert.Equal(attempts, service.Published<TaskAttemptFailed>(m => m.TaskId == taskId).Count);
        Assert.Empty(service.Published<TaskCompleted>(m => m.TaskId == taskId));
        var delivery = await database.FindDeliveryAsync(service.Services, taskId);
        Assert.Equal((DeliveryStatus.Failed, attempts), (delivery!.Status, delivery.Attempts));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task A_server_that_comes_back_during_the_retries_gets_the_mail()
    {
        var port = FreePort.Next();
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, port,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        var taskId = Guid.NewGuid();

        await service.SendAsync(Welcome(taskId));
        await service.WaitForPublished<TaskAttemptFailed>(m => m.TaskId == taskId);
        await using var smtp = await TestSmtpServer.StartAsync(port: port);

        await service.WaitForPublished<TaskCompleted>(m => m.TaskId == taskId);
        Assert.Single(smtp.Received);
        Assert.Empty(service.Published<Fault<SendEmail>>(f => f.Message.TaskId == taskId));
        var delivery = await database.FindDeliveryAsync(service.Services, taskId);
        Assert.Equal(DeliveryStatus.Sent, delivery!.Status);
        Assert.True(delivery.Attempts >= 2);
        Assert.Null(delivery.LastError);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task An_invalid_command_faults_once_without_contacting_the_server_or_the_ledger()
    {
        await using var smtp = await TestSmtpServer.StartAsync();
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, smtp.Port, ShortRetries);
        var taskId = Guid.NewGuid();

        await service.SendAsync(new SendEmail(taskId, ["not-an-address"], "Hi", "Body"));

        await service.WaitForPublished<Fault<SendEmail>>(f => f.Message.TaskId == taskId);
        await AssertNoRetryFollows(service, taskId);
        Assert.Single(service.Claims(taskId));
        var failed = Assert.Single(service.Published<TaskAttemptFailed>(m => m.TaskId == taskId));
        Assert.Contains("not-an-address", failed.Message);
        Assert.Empty(smtp.Received);
        Assert.Null(await database.FindDeliveryAsync(service.Services, taskId));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task The_migration_keeps_its_history_in_the_email_schema()
    {
        await using var service = await EmailServiceHost.StartAsync(database.ConnectionString, FreePort.Next());
        await using var scope = service.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        var history = await db.Database
            .SqlQuery<string>($"""SELECT to_regclass('email."__EFMigrationsHistory"')::text AS "Value" """)
            .SingleAsync();
        Assert.Equal("email.\"__EFMigrationsHistory\"", history);
    }

    /// <summary>
    /// A permanent fault is published before the attempt's TaskAttemptFailed (MassTransit notifies faults the retry
    /// policy ignores at once), so wait for that report, then for longer than all the retry intervals together.
    /// </summary>
    private static async Task AssertNoRetryFollows(EmailServiceHost service, Guid taskId)
    {
        await service.WaitForPublished<TaskAttemptFailed>(m => m.TaskId == taskId);
        await Task.Delay(ShortRetries.Aggregate(TimeSpan.Zero, (sum, interval) => sum + interval) * 3);
    }

    private static SendEmail Welcome(Guid taskId) =>
        new(taskId, ["ada@example.com"], Template: EmailTemplates.Welcome, Variables: new Dictionary<string, string> { ["firstName"] = "Ada" });

    private static string? MessageIdOf(TaskCompleted completed) => completed.Result!.Value.GetProperty("messageId").GetString();

    private static async Task SeedFailedDeliveryAsync(IServiceProvider services, Guid taskId)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EmailDbContext>();
        var now = DateTimeOffset.UtcNow;
        db.Deliveries.Add(new Delivery
        {
            TaskId = taskId,
            Status = DeliveryStatus.Failed,
            Recipients = ["ada@example.com"],
            Subject = "Welcome, Ada!",
            Attempts = 1,
            LastError = "IOException: connection reset",
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.SaveChangesAsync();
    }
}
