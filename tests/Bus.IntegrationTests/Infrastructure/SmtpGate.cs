using System.Net;
using System.Net.Sockets;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP relay in front of the test SMTP server that can be closed and reopened on the same port, so a
/// running EmailService sees the mail server go down (connection refused) and come back — or stall: connections
/// are accepted and then nothing is ever said, as a hung relay does.
/// </summary>
public sealed class SmtpGate : IAsyncDisposable
{
    private readonly int _targetPort;
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();
    private volatile CancellationTokenSource? _stall;

    private SmtpGate(int targetPort, int port)
    {
        _targetPort = targetPort;
        Port = port;
    }

    public int Port { get; }

    public static SmtpGate Open(int targetPort)
    {
        var gate = new SmtpGate(targetPort, FreePort.Next());
        gate.Up();
        return gate;
    }

    public void Up()
    {
        if (_listener is not null)
            return;
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptLoop(_listener, _stop.Token);
    }

    public void Down()
    {
        _stop.Cancel();
        _listener?.Stop();
        _listener = null;
    }

    /// <summary>From now on, new connections get no greeting and no answer until <see cref="Resume"/>.</summary>
    public void Stall() => _stall = new CancellationTokenSource();

    /// <summary>Ends the stall: held connections are dropped, new ones are relayed again.</summary>
    public void Resume()
    {
        var stall = _stall;
        _stall = null;
        stall?.Cancel();
    }

    private async Task AcceptLoop(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            _ = Relay(client, cancellationToken);
        }
    }

    private async Task Relay(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                if (_stall is { } stall)
                {
                    using var held = CancellationTokenSource.CreateLinkedTokenSource(stall.Token, cancellationToken);
                    await Task.Delay(Timeout.Infinite, held.Token);
                }
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, cancellationToken);
                var clientStream = client.GetStream();
                var serverStream = server.GetStream();
                await Task.WhenAny(clientStream.CopyToAsync(serverStream, cancellationToken), serverStream.CopyToAsync(clientStream, cancellationToken));
            }
            catch (Exception)
            {
                // A relay ends when either side hangs up; the SMTP client sees that as a dropped connection.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Resume();
        Down();
        return ValueTask.CompletedTask;
    }
}

public static class FreePort
{
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
