using System.Runtime.CompilerServices;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Options;
using MassTransit;

namespace Bus.ServiceDefaults.Messaging;

public static class TaskEndpointConfiguration
{
    // A queue that carries several task types has one endpoint: its settings and retry layers are applied once, by the first consumer.
    private static readonly ConditionalWeakTable<IReceiveEndpointConfigurator, object> ConfiguredEndpoints = [];

    /// <summary>
    /// The one way a task queue is consumed: declared as <see cref="TaskQueueTopology"/> says for its
    /// <see cref="QueueOptions.Type"/> (classic with priorities 0–10, or quorum);
    /// concurrency and prefetch from its options; for transient faults short
    /// in-memory retries (<see cref="QueueOptions.RetryIntervals"/>) inside scheduled redelivery through the Scheduler
    /// (<see cref="QueueOptions.RedeliveryIntervals"/>), both skipping <see cref="PermanentTaskException"/>; and lifecycle
    /// reports around every attempt.
    /// </summary>
    public static void ConfigureTaskConsumer<TConsumer, TCommand>(
        this IReceiveEndpointConfigurator endpoint,
        IConsumerConfigurator<TConsumer> consumer,
        QueueOptions options,
        IRegistrationContext context)
        where TConsumer : class, IConsumer<TCommand>
        where TCommand : class, ITaskCommand
    {
        if (ConfiguredEndpoints.TryAdd(endpoint, options))
            ConfigureEndpoint(endpoint, options);
        consumer.Message<TCommand>(message => message.UseFilter(new TaskLifecycleFilter<TCommand>(context)));
    }

    private static void ConfigureEndpoint(IReceiveEndpointConfigurator endpoint, QueueOptions options)
    {
        endpoint.ConcurrentMessageLimit = options.ConcurrencyLimit;
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            TaskQueueTopology.Apply(rabbit, options.Type);
            rabbit.PrefetchCount = options.PrefetchCount > 0 ? options.PrefetchCount : options.ConcurrencyLimit * 2;
        }

        // Outer first: a message whose in-memory retries are spent is handed to the Scheduler with
        // MT-Redelivery-Count + 1, and faults to <queue>_error once the last redelivery has failed too.
        if (options.RedeliveryIntervals.Length > 0)
        {
            endpoint.UseScheduledRedelivery(redelivery =>
            {
                redelivery.Intervals(options.RedeliveryIntervals);
                redelivery.Ignore<PermanentTaskException>();
            });
        }
        if (options.RetryIntervals.Length > 0)
        {
            endpoint.UseMessageRetry(retry =>
            {
                retry.Intervals(options.RetryIntervals);
                retry.Ignore<PermanentTaskException>();
            });
        }
    }
}
