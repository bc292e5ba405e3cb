namespace Bus.ServiceDefaults.Messaging;

/// <summary>Where the bus's message scheduler (the Scheduler service) takes ScheduleMessage and CancelScheduledMessage.</summary>
public static class MessageScheduling
{
    /// <summary>
    /// The Scheduler's queue with the single-active-consumer argument it is declared with: a sender declares the same
    /// queue (so nothing scheduled before the first Scheduler ever started is dropped by an unbound exchange) without
    /// the 406 PRECONDITION_FAILED a plain <c>queue:scheduler</c> gets for redeclaring it differently.
    /// </summary>
    public static readonly Uri Address = new($"queue:{QueueNames.Scheduler}?singleactiveconsumer=true");
}
