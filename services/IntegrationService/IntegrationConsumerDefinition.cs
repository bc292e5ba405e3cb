using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService;

/// <summary>Every task type of the service shares queue <c>integration</c> (one endpoint).</summary>
public sealed class IntegrationConsumerDefinition<TConsumer, TCommand>(IOptionsMonitor<QueueOptions> queues)
    : TaskConsumerDefinition<TConsumer, TCommand>(queues, QueueNames.Integration)
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand;
