extern alias email;

using Bus.Contracts.Email;
using Bus.ServiceDefaults.Messaging;
using email::Bus.EmailService;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Bus.UnitTests.Email;

public sealed class EmailComposerTests
{
    private readonly EmailComposer _composer = new(
        new EmailTemplateRenderer(),
        TestSecrets.Protector,
        Options.Create(new SmtpOptions { Host = "127.0.0.1", From = "bus@example.com", FromName = "Bus" }));

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("alice")]
    [InlineData("alice@")]
    [InlineData("@example.com")]
    [InlineData("alice@example.com, bob@example.com")]
    [InlineData("")]
    [InlineData(" ")]
    public void A_bad_recipient_address_is_a_permanent_error_naming_it(string address)
    {
        var error = Assert.Throws<PermanentTaskException>(() =>
            _composer.Compose(Plain(["ok@example.com", address])));

        Assert.Contains("To[1]", error.Message);
    }

    [Fact]
    public void A_bad_cc_address_is_a_permanent_error()
    {
        var error = Assert.Throws<PermanentTaskException>(() =>
            _composer.Compose(Plain(["ok@example.com"]) with { Cc = ["nope"] }));

        Assert.Contains("Cc[0] 'nope'", error.Message);
    }

    [Fact]
    public void No_recipient_is_a_permanent_error()
    {
        var error = Assert.Throws<PermanentTaskException>(() => _composer.Compose(Plain([])));

        Assert.Contains("at least one recipient", error.Message);
    }

    [Theory]
    [InlineData(null, "Body")]
    [InlineData("Subject", null)]
    [InlineData(" ", "Body")]
    [InlineData(null, null)]
    public void Without_a_template_subject_and_body_are_required(string? subject, string? body)
    {
        Assert.Throws<PermanentTaskException>(() =>
            _composer.Compose(new SendEmail(Guid.NewGuid(), ["a@example.com"], subject, body)));
    }

    [Fact]
    public void A_template_wins_over_a_subject_and_body_given_with_it()
    {
        var email = _composer.Compose(new SendEmail(
            Guid.NewGuid(), ["a@example.com"], Subject: "Ignored", Body: "Ignored", Template: "welcome",
            Variables: new Dictionary<string, string> { ["firstName"] = "Ada" }));

        Assert.Equal("Welcome, Ada!", email.Subject);
        Assert.DoesNotContain("Ignored", email.Message.HtmlBody + email.Message.TextBody);
    }

    [Fact]
    public void An_unknown_template_is_a_permanent_error()
    {
        Assert.Throws<PermanentTaskException>(() => _composer.Compose(new SendEmail(Guid.NewGuid(), ["a@example.com"], Template: "nope")));
    }

    [Fact]
    public void An_empty_task_id_is_a_permanent_error()
    {
        Assert.Throws<PermanentTaskException>(() => _composer.Compose(Plain(["a@example.com"]) with { TaskId = Guid.Empty }));
    }

    [Fact]
    public void Display_names_are_accepted_and_recipients_are_reported_as_addresses()
    {
        var email = _composer.Compose(Plain(["Ada Lovelace <ada@example.com>"]) with { Cc = ["charles@example.com"] });

        Assert.Equal(["ada@example.com", "charles@example.com"], email.Recipients);
        Assert.Equal("Ada Lovelace", email.Message.To.Mailboxes.Single().Name);
        var from = email.Message.From.Mailboxes.Single();
        Assert.Equal(("Bus", "bus@example.com"), (from.Name, from.Address));
    }

    [Theory]
    [InlineData(false, "text/plain")]
    [InlineData(true, "text/html")]
    public void A_plain_message_is_sent_as_given(bool isHtml, string mimeType)
    {
        var taskId = Guid.NewGuid();
        var email = _composer.Compose(new SendEmail(taskId, ["a@example.com"], "Report ready", "<p>Done</p>", IsHtml: isHtml));

        var part = Assert.IsType<TextPart>(email.Message.Body);
        Assert.Equal(mimeType, part.ContentType.MimeType);
        Assert.Equal("<p>Done</p>", part.Text);
        Assert.Equal("Report ready", email.Message.Subject);
        Assert.Equal($"{taskId:N}@example.com", email.Message.MessageId);
    }

    [Fact]
    public void A_template_message_has_an_html_body_with_a_plain_text_alternative()
    {
        var email = _composer.Compose(new SendEmail(Guid.NewGuid(), ["a@example.com"], Template: "welcome",
            Variables: new Dictionary<string, string> { ["firstName"] = "Ada" }));

        var alternative = Assert.IsType<MultipartAlternative>(email.Message.Body);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Equal("Welcome, Ada!", email.Subject);
    }

    [Fact]
    public void A_plain_subject_stays_on_one_line_and_otherwise_as_given()
    {
        var email = _composer.Compose(Plain(["a@example.com"]) with { Subject = "Q3  report\r\nBcc: victim@example.com" });

        Assert.Equal("Q3  report Bcc: victim@example.com", email.Message.Subject);
        Assert.Empty(email.Message.Bcc);
    }

    private static SendEmail Plain(IReadOnlyList<string> to) => new(Guid.NewGuid(), to, "Subject", "Body");

    [Fact]
    public void A_protected_template_variable_is_revealed_into_the_mail_only()
    {
        var link = "https://example.com/verify?token=TOPSECRET";
        var command = new SendEmail(Guid.NewGuid(), ["ada@example.com"], Template: EmailTemplates.Verify,
            Variables: new Dictionary<string, string> { ["firstName"] = "Ada", ["verificationLink"] = TestSecrets.Protector.Protect(link) });

        var email = _composer.Compose(command);

        Assert.Contains("TOPSECRET", email.Message.TextBody);
        Assert.DoesNotContain(Bus.ServiceDefaults.Secrets.SensitiveValueProtector.Prefix, email.Message.TextBody);
    }
}
