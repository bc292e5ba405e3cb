using System.Collections.Concurrent;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>Why an attempt's token fired, when it was not the host stopping.</summary>
public enum TaskAttemptStop
{
    None,
    Cancelled,
    TimedOut,
}

/// <summary>
/// The task attempts running in this process, so a cancellation broadcast (<see cref="TaskCancellationConsumer"/>)
/// can fire the token of the one it names. Every replica keeps its own; only the replica running the task finds it.
/// </summary>
public sealed class RunningTaskAttempts
{
    private readonly ConcurrentDictionary<RunningTaskAttempt, byte> _running = new();

    /// <summary>Registers an attempt before it is claimed, so a cancellation that follows the claim always finds it.</summary>
    public RunningTaskAttempt Begin(Guid taskId, CancellationToken consumeToken)
    {
        var attempt = new RunningTaskAttempt(this, taskId, consumeToken);
        _running.TryAdd(attempt, 0);
        return attempt;
    }

    /// <summary>Fires the token of every attempt of this task running here; returns how many there were.</summary>
    public int Cancel(Guid taskId)
    {
        var cancelled = 0;
        foreach (var attempt in _running.Keys)
        {
            if (attempt.TaskId != taskId)
                continue;
            attempt.Stop(TaskAttemptStop.Cancelled);
            cancelled++;
        }
        return cancelled;
    }

    internal void Remove(RunningTaskAttempt attempt) => _running.TryRemove(attempt, out _);
}

/// <summary>
/// One attempt: the token its consumer observes, linked to the message's own token (host shutdown) and fired by a
/// cancellation of its task or by its timeout, whichever comes first; <see cref="StoppedBy"/> says which.
/// </summary>
public sealed class RunningTaskAttempt : IDisposable
{
    private readonly RunningTaskAttempts _owner;
    private readonly CancellationTokenSource _source;
    private Timer? _timer;
    private int _stoppedBy;

    internal RunningTaskAttempt(RunningTaskAttempts owner, Guid taskId, CancellationToken consumeToken)
    {
        _owner = owner;
        TaskId = taskId;
        _source = CancellationTokenSource.CreateLinkedTokenSource(consumeToken);
        Token = _source.Token;
    }

    public Guid TaskId { get; }

    /// <summary>Kept, not read from the source: MassTransit still reads it after the attempt (pending faults of a retry).</summary>
    public CancellationToken Token { get; }

    public TimeSpan? Timeout { get; private set; }

    public TaskAttemptStop StoppedBy => (TaskAttemptStop)Volatile.Read(ref _stoppedBy);

    public void StopAfter(TimeSpan timeout)
    {
        Timeout = timeout;
        _timer = new Timer(_ => Stop(TaskAttemptStop.TimedOut), null, timeout, System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>The first reason wins: a task cancelled just as its timeout elapsed stays cancelled.</summary>
    public void Stop(TaskAttemptStop reason)
    {
        if (Interlocked.CompareExchange(ref _stoppedBy, (int)reason, (int)TaskAttemptStop.None) != (int)TaskAttemptStop.None)
            return;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended while the cancellation was on its way.
        }
    }

    /// <summary>What a timed-out attempt fails with, whatever the consumer threw when its token fired.</summary>
    public TaskTimedOutException TimedOut() => new(Timeout ?? TimeSpan.Zero);

    public void Dispose()
    {
        _owner.Remove(this);
        _timer?.Dispose();
        _source.Dispose();
    }
}
