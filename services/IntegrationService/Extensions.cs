using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;

namespace Bus.IntegrationService;

public static class Extensions
{
    /// <summary>Queue <c>integration</c>: outbound calls to partners, Slack and SMS, and the partner syncs.</summary>
    public static IHostApplicationBuilder AddIntegrationService(this IHostApplicationBuilder builder)
    {
        // Calls wait on partners, not on this process: several at a time. The HTTP pipeline retries a call itself;
        // the queue's redeliveries are for a partner that stays down (or a circuit that is open) for a while.
        builder.AddQueueOptions(QueueNames.Integration, concurrencyLimit: 8,
            retryIntervals: [TimeSpan.FromSeconds(1)],
            redeliveryIntervals: [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5)]);

        builder.AddBus(bus =>
        {
            // Every consumer of queue `integration` is registered here, one line each.
        });
        return builder;
    }
}
