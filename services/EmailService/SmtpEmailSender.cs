using Bus.ServiceDefaults.Messaging;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Bus.EmailService;

/// <summary>Sends one message per connection through the configured relay.</summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options, ILogger<SmtpEmailSender> logger)
{
    /// <returns>The server's answer to the message (e.g. "2.0.0 Ok: queued as …").</returns>
    /// <exception cref="PermanentTaskException">The server refused the mail or a recipient with a 5xx reply.</exception>
    public async Task<string> SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        using var client = new SmtpClient();
        client.Timeout = (int)TimeSpan.FromSeconds(smtp.TimeoutSeconds).TotalMilliseconds;

        string response;
        try
        {
            await client.ConnectAsync(smtp.Host, smtp.Port, ToSocketOptions(smtp.Security), cancellationToken);
            if (!string.IsNullOrEmpty(smtp.Username))
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
            using var handOver = new MessageHandOver(cancellationToken);
            response = await client.SendAsync(message, handOver.Token, handOver);
        }
        catch (SmtpCommandException exception) when (SmtpFailures.IsPermanent(exception))
        {
            throw SmtpFailures.ToPermanent(exception);
        }

        try
        {
            // Not cancellable, like the wait for the relay's answer: bounded by Smtp:TimeoutSeconds.
            await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // The message is already accepted: failing now would make the retry send it a second time.
            logger.LogWarning(exception, "QUIT failed after {Host} accepted message {MessageId}", smtp.Host, message.MessageId);
        }
        return response;
    }

    private static SecureSocketOptions ToSocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}

/// <summary>
/// The cancellation of one SMTP send that stops honouring the attempt's token once the whole message is on the wire.
/// From then on the relay may have queued the mail whatever it answers, and an abandoned answer means a mail sent but
/// recorded as not sent, which the next delivery sends again. A broker connection lost mid-send cancels the attempt
/// just so (MassTransit cancels the consumers of a receive transport that stops) — as do a task cancel and a timeout,
/// which then come too late, as they do after the 250. <c>Smtp:TimeoutSeconds</c> still bounds the wait.
/// </summary>
internal sealed class MessageHandOver : ITransferProgress, IDisposable
{
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenRegistration _attempt;
    private volatile bool _handedOver;

    public MessageHandOver(CancellationToken attempt) =>
        _attempt = attempt.Register(() =>
        {
            if (!_handedOver)
                _abort.Cancel();
        });

    public CancellationToken Token => _abort.Token;

    public void Report(long bytesTransferred, long totalSize)
    {
        if (bytesTransferred >= totalSize)
            _handedOver = true;
    }

    public void Report(long bytesTransferred)
    {
        // MailKit measures the message whenever it is given a progress object, so the total is always known.
    }

    public void Dispose()
    {
        _attempt.Dispose();
        _abort.Dispose();
    }
}

/// <summary>Which SMTP failures another attempt cannot fix.</summary>
public static class SmtpFailures
{
    /// <summary>
    /// A 5xx reply (550 mailbox unavailable, 553 name not allowed, 554 rejected …) is final; 4xx replies,
    /// refused connections, timeouts, protocol and I/O errors are transient and retried.
    /// </summary>
    public static bool IsPermanent(Exception exception) =>
        exception is SmtpCommandException command && (int)command.StatusCode is >= 500 and < 600;

    public static PermanentTaskException ToPermanent(SmtpCommandException exception)
    {
        var mailbox = exception.Mailbox is { } m ? $" for {m.Address}" : "";
        return new PermanentTaskException(
            $"The SMTP server rejected the message{mailbox} ({(int)exception.StatusCode} {exception.ErrorCode}): {exception.Message}",
            exception);
    }
}
