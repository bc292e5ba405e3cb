namespace Bus.IntegrationService;

/// <summary>The HTTP SMS provider of <c>sms_notification</c>, bound from <c>Integration:Sms</c>.</summary>
public sealed class SmsOptions
{
    public const string Section = "Integration:Sms";

    /// <summary>Where the message is POSTed. Unset: <c>sms_notification</c> fails.</summary>
    public string? Url { get; set; }

    public string AuthHeaderName { get; set; } = "Authorization";

    /// <summary>The provider credential, e.g. <c>Bearer …</c> or <c>Basic …</c>; unset: no auth header.</summary>
    public string? AuthHeaderValue { get; set; }

    /// <summary>The request body; <c>{{to}}</c> and <c>{{message}}</c> are replaced, escaped for <see cref="ContentType"/>.</summary>
    public string BodyTemplate { get; set; } = """{"to":"{{to}}","message":"{{message}}"}""";

    /// <summary><c>application/json</c> (values JSON-escaped), <c>application/x-www-form-urlencoded</c> (URL-encoded) or anything else (as is).</summary>
    public string ContentType { get; set; } = "application/json";
}
