extern alias email;

using System.Net.Sockets;
using email::Bus.EmailService;
using MailKit.Net.Smtp;
using MimeKit;

namespace Bus.UnitTests.Email;

public sealed class SmtpFailuresTests
{
    [Theory]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable)]   // 550
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxNameNotAllowed)] // 553
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.UserNotLocalTryAlternatePath)] // 551
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed)]        // 554
    [InlineData(SmtpErrorCode.SenderNotAccepted, SmtpStatusCode.MailboxUnavailable)]
    public void A_5xx_reply_is_permanent(SmtpErrorCode error, SmtpStatusCode status)
    {
        var exception = new SmtpCommandException(error, status, new MailboxAddress("", "x@example.com"), "rejected");

        Assert.True(SmtpFailures.IsPermanent(exception));
        var permanent = SmtpFailures.ToPermanent(exception);
        Assert.Same(exception, permanent.InnerException);
        Assert.Contains(((int)status).ToString(), permanent.Message);
        Assert.Contains("x@example.com", permanent.Message);
    }

    [Theory]
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxBusy)]                // 450
    [InlineData(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.ErrorInProcessing)]          // 451
    [InlineData(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.InsufficientStorage)]          // 452
    [InlineData(SmtpErrorCode.UnexpectedStatusCode, SmtpStatusCode.ServiceNotAvailable)]        // 421
    public void A_4xx_reply_is_transient(SmtpErrorCode error, SmtpStatusCode status)
    {
        Assert.False(SmtpFailures.IsPermanent(new SmtpCommandException(error, status, "try later")));
    }

    public static TheoryData<Exception> TransientFailures => new()
    {
        new SmtpProtocolException("unexpected reply"),
        new IOException("connection reset"),
        new SocketException((int)SocketError.ConnectionRefused),
        new TimeoutException(),
        new OperationCanceledException(),
    };

    [Theory]
    [MemberData(nameof(TransientFailures))]
    public void Connection_protocol_and_timeout_failures_are_transient(Exception exception)
    {
        Assert.False(SmtpFailures.IsPermanent(exception));
    }
}
