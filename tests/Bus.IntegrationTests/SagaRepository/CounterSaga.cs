using Bus.Gateway.Persistence.Sagas;
using MassTransit;

namespace Bus.IntegrationTests.SagaRepository;

public sealed class CounterState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string? CurrentState { get; set; }
    public string? Key { get; set; }
    public int Count { get; set; }
    public string? Label { get; set; }
}

public sealed record StartCounter(Guid CounterId, string Key);
public sealed record IncrementCounter(Guid CounterId);
public sealed record IncrementCounterByKey(string Key);
public sealed record HitCounter(Guid CounterId);
public sealed record HitCounterPreInserted(Guid CounterId);
public sealed record LabelCounter(Guid CounterId, string Label);
public sealed record FinishCounter(Guid CounterId);
public sealed record FlashCounter(Guid CounterId);

/// <summary>What the saga saw that the database can't tell: deliveries that ran on a retry.</summary>
public sealed class SagaProbe
{
    private int _retriedDeliveries;

    public int RetriedDeliveries => Volatile.Read(ref _retriedDeliveries);

    public void Observe(ConsumeContext context)
    {
        if (context.GetRetryAttempt() > 0)
            Interlocked.Increment(ref _retriedDeliveries);
    }
}

public sealed class CounterStateMachine : MassTransitStateMachine<CounterState>
{
    public CounterStateMachine(SagaProbe probe)
    {
        InstanceState(x => x.CurrentState);

        Event(() => Started, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => Incremented, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => IncrementedByKey, x => x.CorrelateBy((saga, m) => saga.Key == m.Message.Key));
        Event(() => Hit, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => HitPreInserted, x =>
        {
            x.CorrelateById(m => m.Message.CounterId);
            x.InsertOnInitial = true;
            x.SetSagaFactory(m => new CounterState { CorrelationId = m.Message.CounterId });
        });
        Event(() => Labelled, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => Finished, x => x.CorrelateById(m => m.Message.CounterId));
        Event(() => Flashed, x => x.CorrelateById(m => m.Message.CounterId));

        Initially(
            When(Started).Then(c => c.Saga.Key = c.Message.Key).TransitionTo(Active),
            When(Hit).Then(c => Count(c, probe)).TransitionTo(Active),
            When(HitPreInserted).Then(c => Count(c, probe)).TransitionTo(Active),
            When(Flashed).Finalize());

        During(Active,
            When(Incremented).Then(c => Count(c, probe)),
            When(IncrementedByKey).Then(c => Count(c, probe)),
            When(Hit).Then(c => Count(c, probe)),
            When(HitPreInserted).Then(c => Count(c, probe)),
            When(Labelled).Then(c => c.Saga.Label = c.Message.Label),
            When(Finished).Finalize());

        SetCompletedWhenFinalized();
    }

    public State Active { get; private set; } = null!;

    public Event<StartCounter> Started { get; private set; } = null!;
    public Event<IncrementCounter> Incremented { get; private set; } = null!;
    public Event<IncrementCounterByKey> IncrementedByKey { get; private set; } = null!;
    public Event<HitCounter> Hit { get; private set; } = null!;
    public Event<HitCounterPreInserted> HitPreInserted { get; private set; } = null!;
    public Event<LabelCounter> Labelled { get; private set; } = null!;
    public Event<FinishCounter> Finished { get; private set; } = null!;
    public Event<FlashCounter> Flashed { get; private set; } = null!;

    private static void Count(BehaviorContext<CounterState> context, SagaProbe probe)
    {
        context.Saga.Count++;
        probe.Observe(context);
    }
}

public sealed class CounterStateMachineDefinition : SagaDefinition<CounterState>
{
    public const int ConcurrentMessages = 32;

    public CounterStateMachineDefinition() => ConcurrentMessageLimit = ConcurrentMessages;

    protected override void ConfigureSaga(IReceiveEndpointConfigurator endpointConfigurator, ISagaConfigurator<CounterState> sagaConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<Exception>(SagaDbErrors.IsTransient);
            r.Interval(5, TimeSpan.FromMilliseconds(20));
        });
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
