using MassTransit;
using MassTransit.Context;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// The consume context a task consumer sees: the same message, with the attempt's token as its CancellationToken (as
/// MassTransit's own TimeoutConsumeContext does for UseTimeout). A cancelled attempt reports no fault; a timed-out one
/// reports <see cref="TaskTimedOutException"/> instead of whatever the consumer threw when its token fired.
/// </summary>
public sealed class TaskAttemptConsumeContext<TMessage>(ConsumeContext<TMessage> context, RunningTaskAttempt attempt)
    : ConsumeContextProxy<TMessage>(context)
    where TMessage : class
{
    public override CancellationToken CancellationToken => attempt.Token;

    public override Task NotifyFaulted<T>(ConsumeContext<T> faulted, TimeSpan duration, string consumerType, Exception exception) =>
        attempt.StoppedBy switch
        {
            TaskAttemptStop.Cancelled => Task.CompletedTask,
            TaskAttemptStop.TimedOut => base.NotifyFaulted(faulted, duration, consumerType, attempt.TimedOut(exception)),
            _ => base.NotifyFaulted(faulted, duration, consumerType, exception),
        };
}
