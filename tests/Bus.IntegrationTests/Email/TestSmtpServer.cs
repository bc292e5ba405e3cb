using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Bus.IntegrationTests.Email;

public sealed record ReceivedMail(MimeMessage Message, IReadOnlyList<string> EnvelopeRecipients);

/// <param name="OnMailFrom">Awaited when a client names its sender (MAIL FROM), before any of the message is sent.</param>
/// <param name="BeforeAccept">Awaited once the whole message is in (after the final "."), before the server answers 250.</param>
public sealed record SmtpHooks(
    Func<string, CancellationToken, Task>? OnMailFrom = null,
    Func<MimeMessage, CancellationToken, Task>? BeforeAccept = null);

/// <summary>A real SMTP server (SmtpServer library) on a free loopback port that keeps every message it accepts.</summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private readonly CancellationTokenSource _stop = new();
    private SmtpServer.SmtpServer? _server;
    private Task _running = Task.CompletedTask;

    private TestSmtpServer(Func<string, SmtpResponse?> rejectRecipient, TimeSpan acceptDelay, SmtpHooks hooks)
    {
        RejectRecipient = rejectRecipient;
        AcceptDelay = acceptDelay;
        Hooks = hooks;
    }

    public int Port { get; private set; }

    public IReadOnlyCollection<ReceivedMail> Received => _received;

    private Func<string, SmtpResponse?> RejectRecipient { get; }

    private TimeSpan AcceptDelay { get; }

    private SmtpHooks Hooks { get; }

    /// <param name="rejectRecipient">The reply for a RCPT TO address the server refuses; null accepts it.</param>
    /// <param name="acceptDelay">How long the server holds a message before its 250, to make deliveries overlap.</param>
    /// <param name="port">0 for any free port.</param>
    /// <param name="hooks">Awaited at points of the conversation, to slow or hold it there.</param>
    public static async Task<TestSmtpServer> StartAsync(
        Func<string, SmtpResponse?>? rejectRecipient = null, TimeSpan acceptDelay = default, int port = 0, SmtpHooks? hooks = null)
    {
        var server = new TestSmtpServer(rejectRecipient ?? (_ => null), acceptDelay, hooks ?? new SmtpHooks());
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) => started.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);

        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(new Store(server));
        services.Add(new RecipientFilter(server));

        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.test")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        server._server = new SmtpServer.SmtpServer(options, services);
        server._running = server._server.StartAsync(server._stop.Token);
        server.Port = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server?.Shutdown();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Store(TestSmtpServer server) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            if (server.AcceptDelay > TimeSpan.Zero)
                await Task.Delay(server.AcceptDelay, cancellationToken);
            if (server.Hooks.BeforeAccept is { } beforeAccept)
                await beforeAccept(message, cancellationToken);
            server._received.Enqueue(new ReceivedMail(message, [.. transaction.To.Select(m => m.AsAddress())]));
            return SmtpResponse.Ok;
        }
    }

    private sealed class RecipientFilter(TestSmtpServer server) : IMailboxFilter
    {
        public async Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
        {
            if (server.Hooks.OnMailFrom is { } onMailFrom)
                await onMailFrom(from.AsAddress(), cancellationToken);
            return true;
        }

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
            server.RejectRecipient(to.AsAddress()) is { } reply ? throw new SmtpResponseException(reply) : Task.FromResult(true);
    }
}
