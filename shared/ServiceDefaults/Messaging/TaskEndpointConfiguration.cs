using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Options;
using MassTransit;

namespace Bus.ServiceDefaults.Messaging;

public static class TaskEndpointConfiguration
{
    /// <summary>
    /// The one way a task queue is consumed: concurrency and prefetch from its options, retries for transient
    /// faults only, and lifecycle reports around every attempt.
    /// </summary>
    public static void ConfigureTaskConsumer<TConsumer, TCommand>(
        this IReceiveEndpointConfigurator endpoint,
        IConsumerConfigurator<TConsumer> consumer,
        QueueOptions options)
        where TConsumer : class, IConsumer<TCommand>
        where TCommand : class, ITaskCommand
    {
        endpoint.ConcurrentMessageLimit = options.ConcurrencyLimit;
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = options.PrefetchCount > 0 ? options.PrefetchCount : options.ConcurrencyLimit * 2;

        endpoint.UseMessageRetry(retry =>
        {
            retry.Intervals(options.RetryIntervals);
            retry.Ignore<PermanentTaskException>();
        });
        consumer.Message<TCommand>(message => message.UseFilter(new TaskLifecycleFilter<TCommand>()));
    }
}
