using Bus.Gateway.Live;
using Bus.Gateway.Persistence.Sagas;
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
        // Lost insert races and serialization conflicts resolve on an immediate retry; anything else (the
        // database restarting) waits out the configured intervals before the message goes to task-state_error.
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(_options.RetryIntervals));
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<Exception>(SagaDbErrors.IsTransient);
            retry.Immediate(5);
        });
        // After the outbox has sent everything: relaying to live clients can neither hold back nor undo a dispatch.
        endpointConfigurator.UseLiveEventRelay(context);
        // Responses and dispatched commands leave only after the saga's transaction commits.
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
