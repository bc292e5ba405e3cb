using System.Text;
using System.Text.Json;
using Bus.IntegrationService.Outbound;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService;

/// <summary>
/// The configured HTTP SMS provider: <see cref="SmsOptions.BodyTemplate"/> filled in and POSTed with its auth header,
/// through the <see cref="OutboundHttp.Partner"/> client (the provider is a partner: retries, breaker, guard).
/// </summary>
public sealed class SmsProvider(PartnerClient partner, IOptionsMonitor<SmsOptions> options)
{
    public async Task<PartnerResponse> SendAsync(string to, string message, CancellationToken cancellationToken)
    {
        var sms = options.CurrentValue;
        if (!Uri.TryCreate(sms.Url, UriKind.Absolute, out var url))
            throw new PermanentTaskException($"{SmsOptions.Section}:Url is not configured (an absolute URL)");

        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(Body(sms, to, message), Encoding.UTF8, sms.ContentType),
        };
        if (!string.IsNullOrEmpty(sms.AuthHeaderValue))
            request.Headers.TryAddWithoutValidation(sms.AuthHeaderName, sms.AuthHeaderValue);
        return await partner.SendAsync(OutboundHttp.Partner, request, cancellationToken);
    }

    /// <summary>The template with <c>{{to}}</c> and <c>{{message}}</c> replaced, each value escaped so it cannot change the body's structure.</summary>
    public static string Body(SmsOptions sms, string to, string message) =>
        sms.BodyTemplate.Replace("{{to}}", Escape(sms.ContentType, to)).Replace("{{message}}", Escape(sms.ContentType, message));

    private static string Escape(string contentType, string value) => contentType.Split(';')[0].Trim().ToLowerInvariant() switch
    {
        "application/json" => JsonEncodedText.Encode(value).ToString(),
        "application/x-www-form-urlencoded" => Uri.EscapeDataString(value),
        _ => value,
    };
}
