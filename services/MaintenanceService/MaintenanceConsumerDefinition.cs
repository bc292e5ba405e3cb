using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.MaintenanceService;

/// <summary>Every maintenance task type shares queue <c>maintenance</c> (one endpoint); each consumer gets the task pipeline.</summary>
public sealed class MaintenanceConsumerDefinition<TConsumer, TCommand>(IOptionsMonitor<QueueOptions> queues)
    : TaskQueueConsumerDefinition<TConsumer, TCommand>(queues, QueueNames.Maintenance)
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand;
