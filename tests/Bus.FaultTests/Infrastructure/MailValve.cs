using MimeKit;
using SmtpServer.Protocol;

namespace Bus.FaultTests.Infrastructure;

/// <summary>
/// Holds SMTP conversations at one point — when the client names its sender (<see cref="AtMailFrom"/>, before any of the
/// message is sent) or once the whole message is in (<see cref="BeforeAccept"/>, before the server's 250) — so a test
/// knows exactly where each mail in flight stands when it injects a fault. Open: conversations go straight through.
/// </summary>
public sealed class MailValve
{
    private readonly object _lock = new();
    private TaskCompletionSource<bool> _gate = Opened();
    private readonly Dictionary<string, int> _heldBySender = [];
    private int _passedMailFrom;

    /// <summary>Conversations waiting at the valve now, of any sender.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
                return _heldBySender.Values.Sum();
        }
    }

    /// <summary>Conversations of <paramref name="sender"/> (a replica's From address) waiting at the valve now.</summary>
    public int HeldFrom(string sender)
    {
        lock (_lock)
            return _heldBySender.GetValueOrDefault(sender);
    }

    /// <summary>Conversations that went past MAIL FROM (each either delivers a mail or dies with its client).</summary>
    public int PassedMailFrom => Volatile.Read(ref _passedMailFrom);

    public void Close()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted)
                _gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets every held conversation go on, and the ones after it.</summary>
    public void Open()
    {
        lock (_lock)
            _gate.TrySetResult(true);
    }

    /// <summary>
    /// Refuses every held conversation with a 421 (their client is gone: they must not count as passed) and lets the
    /// next ones through.
    /// </summary>
    public void DropHeldAndOpen()
    {
        lock (_lock)
        {
            _gate.TrySetResult(false);
            _gate = Opened();
        }
    }

    public async Task AtMailFrom(string from, CancellationToken cancellationToken)
    {
        await WaitAsync(from, cancellationToken);
        Interlocked.Increment(ref _passedMailFrom);
    }

    public Task BeforeAccept(MimeMessage message, CancellationToken cancellationToken) =>
        WaitAsync(message.From.Mailboxes.FirstOrDefault()?.Address ?? "", cancellationToken);

    private async Task WaitAsync(string sender, CancellationToken cancellationToken)
    {
        Task<bool> gate;
        lock (_lock)
        {
            gate = _gate.Task;
            _heldBySender[sender] = _heldBySender.GetValueOrDefault(sender) + 1;
        }
        bool pass;
        try
        {
            pass = await gate.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (_lock)
                _heldBySender[sender]--;
        }
        if (!pass)
            throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.ServiceUnavailable, "dropped by the test"));
    }

    private static TaskCompletionSource<bool> Opened()
    {
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult(true);
        return gate;
    }
}
