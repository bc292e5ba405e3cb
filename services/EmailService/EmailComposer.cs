using Bus.Contracts.Email;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Secrets;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Bus.EmailService;

public sealed record ComposedEmail(MimeMessage Message, IReadOnlyList<string> Recipients, string Subject);

/// <summary>Validates a <see cref="SendEmail"/> and turns it into the MIME message to send.</summary>
public sealed class EmailComposer(EmailTemplateRenderer templates, SensitiveValueProtector secrets, IOptions<SmtpOptions> smtp)
{
    private const int MaxQuotedLength = 100;

    /// <exception cref="PermanentTaskException">The command is invalid; no attempt can fix it.</exception>
    public ComposedEmail Compose(SendEmail command)
    {
        if (command.TaskId == Guid.Empty)
            throw new PermanentTaskException("SendEmail.TaskId is required");

        var to = ParseAddresses(nameof(command.To), command.To);
        if (to.Count == 0)
            throw new PermanentTaskException("SendEmail needs at least one recipient in To");
        var cc = ParseAddresses(nameof(command.Cc), command.Cc);

        string subject;
        MimeEntity body;
        // As in the Gateway's email_notification validation: a template, when given, is the content and Subject/Body are ignored.
        if (command.Template is not null)
        {
            var variables = command.Variables?.ToDictionary(v => v.Key, v => secrets.Reveal(v.Value));
            var rendered = templates.Render(command.Template, variables);
            subject = rendered.Subject;
            body = new BodyBuilder { TextBody = rendered.TextBody, HtmlBody = rendered.HtmlBody }.ToMessageBody();
        }
        else
        {
            if (string.IsNullOrWhiteSpace(command.Subject) || string.IsNullOrWhiteSpace(command.Body))
                throw new PermanentTaskException("SendEmail needs a Subject and a Body, or a Template");
            subject = EmailTemplateRenderer.SingleLine(command.Subject);
            body = new TextPart(command.IsHtml ? "html" : "plain") { Text = command.Body };
        }

        var options = smtp.Value;
        if (!EmailAddresses.TryParse(options.From, out var from))
            throw new InvalidOperationException("Smtp:From must be an e-mail address");

        var message = new MimeMessage { Subject = subject, Body = body };
        message.From.Add(new MailboxAddress(string.IsNullOrWhiteSpace(options.FromName) ? from.Name : options.FromName, from.Address));
        message.To.AddRange(to);
        message.Cc.AddRange(cc);
        // Derived from the task, so a mail sent twice (see SendEmailConsumer) still carries one Message-Id that clients de-duplicate.
        message.MessageId = $"{command.TaskId:N}@{from.Domain}";

        return new ComposedEmail(message, [.. to.Concat(cc).Select(m => m.Address)], subject);
    }

    private static List<MailboxAddress> ParseAddresses(string field, IReadOnlyList<string>? values)
    {
        var addresses = new List<MailboxAddress>(values?.Count ?? 0);
        for (var i = 0; i < (values?.Count ?? 0); i++)
        {
            if (!EmailAddresses.TryParse(values![i], out var mailbox))
                throw new PermanentTaskException($"SendEmail.{field}[{i}] '{Quote(values[i])}' is not a valid e-mail address");
            addresses.Add(mailbox);
        }
        return addresses;
    }

    private static string Quote(string? value) =>
        value is null ? "" : value.Length <= MaxQuotedLength ? value : value[..MaxQuotedLength] + "…";
}
