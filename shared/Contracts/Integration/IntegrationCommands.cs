using System.Text.Json;
using Bus.Contracts.Tasks;

namespace Bus.Contracts.Integration;

/// <summary>
/// One HTTP call to a partner API (queue <c>integration</c>, task type <c>api_integration</c>): <c>Method</c> to
/// <c>Endpoint</c> (http or https) with <c>Headers</c> and, for methods with a body, <c>Payload</c> as JSON. Header and
/// payload values that look like credentials travel protected (<c>enc:v1:…</c>) and are revealed only for the call.
/// </summary>
public record CallPartnerApi(
    Guid TaskId,
    string Endpoint,
    string Method,
    IReadOnlyDictionary<string, string>? Headers = null,
    JsonElement? Payload = null) : ITaskCommand;

/// <summary>
/// Posts one message to the Slack incoming webhook of IntegrationService's configuration (task type <c>slack_alert</c>):
/// <c>Text</c>, and optionally Block Kit <c>Blocks</c> (a JSON array).
/// </summary>
public record SendSlackAlert(Guid TaskId, string Text, JsonElement? Blocks = null) : ITaskCommand;

/// <summary>Sends one text message through the HTTP SMS provider of IntegrationService's configuration (task type <c>sms_notification</c>).</summary>
public record SendSms(Guid TaskId, string To, string Message) : ITaskCommand;
