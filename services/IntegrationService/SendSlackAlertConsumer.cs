using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;
using MassTransit;

namespace Bus.IntegrationService;

/// <summary><c>slack_alert</c>: one message to the configured Slack webhook.</summary>
public sealed class SendSlackAlertConsumer(SlackWebhook slack) : IConsumer<SendSlackAlert>
{
    public async Task Consume(ConsumeContext<SendSlackAlert> context)
    {
        var response = await slack.PostAsync(context.Message.Text, context.Message.Blocks, context.CancellationToken);
        await context.ReportCompleted(context.Message.TaskId, new { response.StatusCode, response.DurationMs });
    }
}
