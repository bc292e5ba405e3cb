using Bus.ServiceDefaults.Messaging;
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
            response = await client.SendAsync(message, cancellationToken);
        }
        catch (SmtpCommandException exception) when (SmtpFailures.IsPermanent(exception))
        {
            throw SmtpFailures.ToPermanent(exception);
        }

        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
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
