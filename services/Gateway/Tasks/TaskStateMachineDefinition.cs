using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Tasks;

public sealed class TaskStateMachineDefinition : SagaDefinition<TaskState>
{
    private readonly QueueOptions _options;

    public TaskStateMachineDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _options = queues.Get(QueueNames.TaskState);
        Endpoint(endpoint => endpoint.Name = QueueNames.TaskState);
    }

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<TaskState> sagaConfigurator, IRegistrationContext context)
    {
        // Each in-flight message holds one PostgreSQL transaction: keep this within the connection pool.
        endpointConfigurator.ConcurrentMessageLimit = _options.ConcurrencyLimit;
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(_options.RetryIntervals));
        // Responses and dispatched commands leave only after the saga's transaction commits.
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
