using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bus.IntegrationService.Outbound;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService;

/// <summary>
/// Posts to the configured Slack incoming webhook: <see cref="SlackOptions.Attempts"/> attempts
/// <see cref="SlackOptions.AttemptDelay"/> apart (the <see cref="OutboundHttp.Slack"/> client), then the task fails for
/// good — permanently, so the queue's retries never multiply Slack's attempts.
/// </summary>
public sealed class SlackWebhook(PartnerClient partner, IOptionsMonitor<SlackOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public async Task<PartnerResponse> PostAsync(string text, JsonElement? blocks, CancellationToken cancellationToken)
    {
        var slack = options.CurrentValue;
        if (!slack.IsConfigured || !Uri.TryCreate(slack.WebhookUrl, UriKind.Absolute, out var webhook))
            throw new PermanentTaskException($"{SlackOptions.Section}:WebhookUrl is not configured (an absolute URL)");

        using var request = new HttpRequestMessage(HttpMethod.Post, webhook)
        {
            Content = JsonContent.Create(new SlackMessage(text, blocks), options: Json),
        };
        try
        {
            return await partner.SendAsync(OutboundHttp.Slack, request, cancellationToken);
        }
        catch (PartnerUnavailableException exception)
        {
            throw new PermanentTaskException($"Slack did not take the message in {slack.Attempts} attempt(s): {exception.Message}", exception);
        }
    }

    private sealed record SlackMessage(string Text, JsonElement? Blocks);
}
