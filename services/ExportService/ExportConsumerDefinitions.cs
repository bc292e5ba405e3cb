using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.ExportService;

/// <summary>The three task types share queue <c>export</c> (one endpoint); each consumer gets the task pipeline.</summary>
public sealed class ExportConsumerDefinition<TConsumer, TCommand>(IOptionsMonitor<QueueOptions> queues)
    : TaskQueueConsumerDefinition<TConsumer, TCommand>(queues, QueueNames.Export)
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand;
