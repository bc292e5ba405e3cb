using MassTransit;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>How requests that change a task (submit, cancel, retry) are sent to the task saga.</summary>
public static class TaskSagaRequests
{
    /// <summary>
    /// A request message expires with its timeout by default. The saga may commit a change and then lose the broker before
    /// the commands it dispatched have left; only the request's redelivery sends them again, so it must survive the
    /// broker's restart however long the requester waited (a fault test once found a task stuck in Queued that way).
    /// Cleared on the send context: MassTransit 8.5 throws for a handle whose TimeToLive is <see cref="RequestTimeout.None"/>.
    /// </summary>
    public static void NeverExpire<T>(IRequestPipeConfigurator<T> request)
        where T : class =>
        request.UseExecute(send => send.TimeToLive = null);
}
