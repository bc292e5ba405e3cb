using Bus.Contracts.Integration;
using Bus.Contracts.Tasks;
using Bus.IntegrationService.Outbound;
using Bus.IntegrationService.Reminders;
using Bus.IntegrationService.Syncs;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.QueueControl;
using Bus.ServiceDefaults.Secrets;

namespace Bus.IntegrationService;

public static class Extensions
{
    /// <summary>
    /// Queue <c>integration</c>: outbound calls to partners, Slack and SMS, the partner syncs and the reminders; plus the
    /// failed-task alerts.
    /// </summary>
    public static IHostApplicationBuilder AddIntegrationService(this IHostApplicationBuilder builder)
    {
        // Calls wait on partners, not on this process: several at a time. The HTTP pipeline retries a call itself;
        // the queue's redeliveries are for a partner that stays down (or a circuit that is open) for a while.
        builder.AddQueueOptions(QueueNames.Integration, concurrencyLimit: 8,
            retryIntervals: [TimeSpan.FromSeconds(1)],
            redeliveryIntervals: [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5)]);

        builder.AddSensitiveValueProtection();
        builder.AddOutboundHttp();
        builder.AddValidatedOptions<SmsOptions>(SmsOptions.Section);
        builder.Services.AddSingleton<SlackWebhook>();
        builder.Services.AddSingleton<SmsProvider>();
        builder.AddPartnerSyncs();
        builder.AddReminders();

        builder.AddBus(bus =>
        {
            // Every consumer of queue `integration` is registered here, one line each.
            bus.AddTaskConsumer<CallPartnerApiConsumer, TaskConsumerDefinition<CallPartnerApiConsumer, CallPartnerApi>>(QueueNames.Integration);
            bus.AddTaskConsumer<SendSlackAlertConsumer, TaskConsumerDefinition<SendSlackAlertConsumer, SendSlackAlert>>(QueueNames.Integration);
            bus.AddTaskConsumer<SendSmsConsumer, TaskConsumerDefinition<SendSmsConsumer, SendSms>>(QueueNames.Integration);
            bus.AddTaskConsumer<SerpramSyncConsumer, TaskConsumerDefinition<SerpramSyncConsumer, SyncSerpramReadings>>(QueueNames.Integration);
            bus.AddTaskConsumer<AytSyncConsumer, TaskConsumerDefinition<AytSyncConsumer, SyncAytReadings>>(QueueNames.Integration);
            bus.AddTaskConsumer<BookingReminderConsumer, TaskConsumerDefinition<BookingReminderConsumer, ScheduleBookingReminders>>(QueueNames.Integration);
            bus.AddTaskConsumer<PaymentReminderConsumer, TaskConsumerDefinition<PaymentReminderConsumer, SchedulePaymentReminder>>(QueueNames.Integration);

            bus.AddConsumer<DeadLetterAlertConsumer>(typeof(DeadLetterAlertConsumerDefinition));
            // Reminders are child tasks, submitted to the task saga like any other.
            bus.AddRequestClient<SubmitTask>(new Uri($"queue:{QueueNames.TaskState}"));
        });
        return builder;
    }
}
