using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Bus.Contracts.Email;
using Bus.ServiceDefaults.Messaging;
using Fluid;

namespace Bus.EmailService;

public sealed record RenderedEmail(string Subject, string HtmlBody, string TextBody);

/// <summary>
/// The bodies of the templates named in <see cref="EmailTemplates"/> (Liquid, rendered with Fluid), compiled into the
/// service. Which variables each one needs is the contract's <see cref="EmailTemplates.RequiredVariables"/>.
/// </summary>
public sealed partial class EmailTemplateRenderer
{
    private static readonly TemplateDefinition[] Definitions =
    [
        new(
            Name: EmailTemplates.Verify,
            LinkVariables: ["verificationLink"],
            Subject: "Confirm your e-mail address",
            Html: """
                <!DOCTYPE html>
                <html>
                <body style="font-family: sans-serif; line-height: 1.5">
                  <p>Hi {{ firstName }},</p>
                  <p>Please confirm your e-mail address by opening this link:</p>
                  <p><a href="{{ verificationLink }}">Confirm my e-mail address</a></p>
                  <p>If you did not ask for this, you can ignore this message.</p>
                </body>
                </html>
                """,
            Text: """
                Hi {{ firstName }},

                Please confirm your e-mail address by opening this link:
                {{ verificationLink }}

                If you did not ask for this, you can ignore this message.
                """),
        new(
            Name: EmailTemplates.Welcome,
            LinkVariables: [],
            Subject: "Welcome, {{ firstName }}!",
            Html: """
                <!DOCTYPE html>
                <html>
                <body style="font-family: sans-serif; line-height: 1.5">
                  <p>Hi {{ firstName }},</p>
                  <p>Welcome aboard. Your account is ready.</p>
                </body>
                </html>
                """,
            Text: """
                Hi {{ firstName }},

                Welcome aboard. Your account is ready.
                """),
    ];

    // Keeps names readable (Zoë, not Zo&#xEB;) while still encoding markup characters.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly TemplateOptions _options = new() { StrictVariables = true, StrictFilters = true, MaxSteps = 10_000 };
    private readonly Dictionary<string, CompiledTemplate> _templates;

    public EmailTemplateRenderer()
    {
        var names = Definitions.Select(d => d.Name).Order().ToList();
        if (!names.SequenceEqual(EmailTemplates.RequiredVariables.Keys.Order()))
            throw new InvalidOperationException($"Bus.Contracts.Email.EmailTemplates names {string.Join(", ", EmailTemplates.RequiredVariables.Keys)} but EmailService has bodies for {string.Join(", ", names)}");

        var parser = new FluidParser();
        _templates = Definitions.ToDictionary(d => d.Name, d => new CompiledTemplate(
            d,
            EmailTemplates.RequiredVariables[d.Name],
            Parse(parser, d, nameof(d.Subject), d.Subject),
            Parse(parser, d, nameof(d.Html), d.Html),
            Parse(parser, d, nameof(d.Text), d.Text)), StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Names => _templates.Keys;

    /// <summary>Renders subject, HTML (values HTML-encoded) and plain-text body; a bad request is a <see cref="PermanentTaskException"/>.</summary>
    public RenderedEmail Render(string name, IReadOnlyDictionary<string, string>? variables)
    {
        if (!_templates.TryGetValue(name, out var template))
            throw UnknownTemplate(name);

        var missing = template.RequiredVariables.Where(v => variables is null || !variables.TryGetValue(v, out var value) || value is null).ToList();
        if (missing.Count > 0)
            throw new PermanentTaskException($"Template '{name}' needs the variable(s) {string.Join(", ", missing)}");

        var context = new TemplateContext(_options);
        foreach (var variable in template.RequiredVariables)
        {
            var value = variables![variable];
            // HTML-encoding stops markup, not a javascript: link in an href.
            if (template.Definition.LinkVariables.Contains(variable) && !IsWebLink(value))
                throw new PermanentTaskException($"Template '{name}': {variable} must be an absolute http(s) URL");
            context.SetValue(variable, value);
        }

        try
        {
            return new RenderedEmail(
                SingleLine(template.Subject.Render(context, NullEncoder.Default)),
                template.Html.Render(context, Html),
                template.Text.Render(context, NullEncoder.Default));
        }
        catch (InvalidOperationException exception)
        {
            throw new PermanentTaskException($"Template '{name}' could not be rendered: {exception.Message}", exception);
        }
    }

    /// <summary>Header text must stay on one line, whatever a variable contained.</summary>
    public static string SingleLine(string value) => ControlCharacters().Replace(value, " ").Trim();

    [GeneratedRegex(@"\p{Cc}+")]
    private static partial Regex ControlCharacters();

    private static bool IsWebLink(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static PermanentTaskException UnknownTemplate(string name) =>
        new($"Unknown template '{name}' (known: {string.Join(", ", EmailTemplates.RequiredVariables.Keys)})");

    private static IFluidTemplate Parse(FluidParser parser, TemplateDefinition definition, string part, string source) =>
        parser.TryParse(source, out var template, out var error)
            ? template
            : throw new InvalidOperationException($"Template '{definition.Name}' ({part}) does not parse: {error}");

    private sealed record TemplateDefinition(string Name, string[] LinkVariables, string Subject, string Html, string Text);

    private sealed record CompiledTemplate(TemplateDefinition Definition, string[] RequiredVariables, IFluidTemplate Subject, IFluidTemplate Html, IFluidTemplate Text);
}
