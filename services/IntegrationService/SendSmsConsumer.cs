using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;
using MassTransit;

namespace Bus.IntegrationService;

/// <summary><c>sms_notification</c>: one message through the configured SMS provider.</summary>
public sealed class SendSmsConsumer(SmsProvider sms, ILogger<SendSmsConsumer> logger) : IConsumer<SendSms>
{
    public async Task Consume(ConsumeContext<SendSms> context)
    {
        var response = await sms.SendAsync(context.Message.To, context.Message.Message, context.CancellationToken);
        logger.LogInformation("Task {TaskId}: the SMS provider answered {StatusCode}", context.Message.TaskId, response.StatusCode);
        await context.ReportCompleted(context.Message.TaskId, response);
    }
}
