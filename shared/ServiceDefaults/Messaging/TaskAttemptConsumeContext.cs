using MassTransit;
using MassTransit.Context;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// The consume context a task consumer sees: the same message, with the attempt's token as its CancellationToken (as
/// MassTransit's own TimeoutConsumeContext does for UseTimeout). A cancelled attempt reports no fault; a timed-out one
/// reports <see cref="TaskTimedOutException"/> instead of whatever the consumer threw when its token fired.
/// </summary>
public sealed class TaskAttemptConsumeContext<TMessage> : ConsumeContextProxy<TMessage>
    where TMessage : class
{
    private readonly ConsumeContext<TMessage> _context;
    private readonly RunningTaskAttempt _attempt;

    public TaskAttemptConsumeContext(ConsumeContext<TMessage> context, RunningTaskAttempt attempt)
        : base(context)
    {
        _context = context;
        _attempt = attempt;
    }

    public override CancellationToken CancellationToken => _attempt.Token;

    public override Task NotifyFaulted<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) =>
        _attempt.StoppedBy switch
        {
            TaskAttemptStop.Cancelled => Task.CompletedTask,
            // Reported on the message's own context: the attempt's token has fired, and the fault must still be sent.
            TaskAttemptStop.TimedOut => base.NotifyFaulted(_context, duration, consumerType, _attempt.TimedOut()),
            _ => base.NotifyFaulted(context, duration, consumerType, exception),
        };
}
