extern alias email;

using Bus.ServiceDefaults.Messaging;
using email::Bus.EmailService;

namespace Bus.UnitTests.Email;

public sealed class EmailTemplateRendererTests
{
    private readonly EmailTemplateRenderer _templates = new();

    [Fact]
    public void Every_template_in_the_contract_has_a_body()
    {
        Assert.Equal(Bus.Contracts.Email.EmailTemplates.RequiredVariables.Keys.Order(), _templates.Names.Order());
        Assert.Equal(["verify", "welcome"], _templates.Names.Order());
    }

    [Fact]
    public void Verify_substitutes_the_name_and_link_in_subject_html_and_text()
    {
        var rendered = _templates.Render("verify", new Dictionary<string, string>
        {
            ["firstName"] = "Ada",
            ["verificationLink"] = "https://example.com/verify?token=abc&u=1",
        });

        Assert.Equal("Confirm your e-mail address", rendered.Subject);
        Assert.Contains("Hi Ada,", rendered.HtmlBody);
        Assert.Contains("<a href=\"https://example.com/verify?token=abc&amp;u=1\">", rendered.HtmlBody);
        Assert.Contains("Hi Ada,", rendered.TextBody);
        Assert.Contains("https://example.com/verify?token=abc&u=1", rendered.TextBody);
        Assert.DoesNotContain("{{", rendered.HtmlBody + rendered.TextBody + rendered.Subject);
    }

    [Fact]
    public void Welcome_html_encodes_values_in_the_html_body_only()
    {
        var rendered = _templates.Render("welcome", new Dictionary<string, string> { ["firstName"] = "<b>Zoë</b> & \"co\"" });

        Assert.Contains("Hi &lt;b&gt;Zoë&lt;/b&gt; &amp; &quot;co&quot;,", rendered.HtmlBody);
        Assert.DoesNotContain("<b>", rendered.HtmlBody);
        Assert.Contains("Hi <b>Zoë</b> & \"co\",", rendered.TextBody);
        Assert.Equal("Welcome, <b>Zoë</b> & \"co\"!", rendered.Subject);
    }

    [Fact]
    public void A_line_break_in_a_variable_does_not_reach_the_subject_header()
    {
        var rendered = _templates.Render("welcome", new Dictionary<string, string> { ["firstName"] = "Ada\r\nBcc: victim@example.com" });

        Assert.Equal("Welcome, Ada Bcc: victim@example.com!", rendered.Subject);
    }

    [Fact]
    public void An_unknown_template_is_a_permanent_error()
    {
        var error = Assert.Throws<PermanentTaskException>(() => _templates.Render("invoice", new Dictionary<string, string>()));

        Assert.Contains("Unknown template 'invoice'", error.Message);
    }

    [Theory]
    [InlineData("verify", "verificationLink")]
    [InlineData("welcome", "firstName")]
    public void A_missing_variable_is_a_permanent_error_naming_it(string template, string missing)
    {
        var variables = new Dictionary<string, string>
        {
            ["firstName"] = "Ada",
            ["verificationLink"] = "https://example.com/v",
        };
        variables.Remove(missing);

        var error = Assert.Throws<PermanentTaskException>(() => _templates.Render(template, variables));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void A_null_variable_counts_as_missing()
    {
        var error = Assert.Throws<PermanentTaskException>(() =>
            _templates.Render("welcome", new Dictionary<string, string> { ["firstName"] = null! }));

        Assert.Contains("firstName", error.Message);
    }

    [Fact]
    public void Variable_names_are_case_sensitive_as_in_the_contract()
    {
        Assert.Throws<PermanentTaskException>(() =>
            _templates.Render("welcome", new Dictionary<string, string> { ["FirstName"] = "Ada" }));
    }

    [Fact]
    public void No_variables_at_all_is_a_permanent_error()
    {
        Assert.Throws<PermanentTaskException>(() => _templates.Render("welcome", null));
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("/relative/path")]
    [InlineData("ftp://example.com/file")]
    public void A_verification_link_that_is_not_an_absolute_web_url_is_a_permanent_error(string link)
    {
        var error = Assert.Throws<PermanentTaskException>(() => _templates.Render("verify", new Dictionary<string, string>
        {
            ["firstName"] = "Ada",
            ["verificationLink"] = link,
        }));

        Assert.Contains("verificationLink", error.Message);
    }
}
