using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Bus.ServiceDefaults.QueueControl;

/// <summary>A task queue's consumer whose receive endpoint the <see cref="TaskQueuePauseController"/> connects, stops and starts.</summary>
public sealed record PausableTaskEndpoint(string Queue, Type ConsumerType);

public static class TaskConsumerRegistration
{
    /// <summary>
    /// Registers the consumer of a task queue so the queue can be paused: its endpoint is not created with the bus
    /// (excluded from ConfigureEndpoints) but connected by <see cref="TaskQueuePauseController"/> once it knows the queue
    /// is not paused, so a replica that starts while the queue is paused never consumes, not even briefly. The
    /// definition configures the endpoint as usual (<c>ConfigureTaskConsumer</c>).
    /// </summary>
    public static IConsumerRegistrationConfigurator<TConsumer> AddTaskConsumer<TConsumer, TDefinition>(this IBusRegistrationConfigurator bus, string queue)
        where TConsumer : class, IConsumer
        where TDefinition : class, IConsumerDefinition<TConsumer>
    {
        var consumer = bus.AddConsumer<TConsumer, TDefinition>();
        consumer.ExcludeFromConfigureEndpoints();

        bus.AddSingleton(new PausableTaskEndpoint(queue, typeof(TConsumer)));
        bus.AddOptions<QueueControlOptions>()
            .BindConfiguration(QueueControlOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        bus.TryAddSingleton<TaskQueuePauseController>();
        // Registered inside AddMassTransit, so after its hosted service: the bus is started before endpoints connect.
        bus.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TaskQueuePauseController>(
            services => services.GetRequiredService<TaskQueuePauseController>()));
        if (!bus.Any(d => d.ServiceType == typeof(TaskQueuePauseHealthCheck)))
        {
            bus.AddSingleton<TaskQueuePauseHealthCheck>();
            bus.AddHealthChecks().AddCheck<TaskQueuePauseHealthCheck>(TaskQueuePauseHealthCheck.Name, tags: ["ready"]);
        }
        return consumer;
    }
}
