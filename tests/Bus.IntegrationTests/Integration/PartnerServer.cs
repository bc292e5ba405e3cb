using System.Collections.Concurrent;
using System.Net;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bus.IntegrationTests.Integration;

/// <summary>One answer of a <see cref="PartnerServer"/>: status, body and extra headers.</summary>
public sealed record PartnerReply(int Status, string Body = """{"ok":true}""", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>What a <see cref="PartnerServer"/> received, with the time it arrived (the server's clock).</summary>
public sealed record PartnerRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTime ReceivedAt);

/// <summary>
/// A partner HTTP API on this machine: one port on both 127.0.0.1 and 127.0.0.2, so a test reaches it through the
/// allow-listed <see cref="Address"/> (127.0.0.2) and proves that 127.0.0.1 and <c>localhost</c>, which lead to the very
/// same server, are refused. Answers per path from a script (the last answer repeats; 200 if none), recording every request.
/// </summary>
public sealed class PartnerServer : IAsyncDisposable
{
    public const string AllowedAddress = "127.0.0.2";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<PartnerReply>> _scripts = new();
    private readonly ConcurrentQueue<PartnerRequest> _received = new();

    private PartnerServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The allow-listed way in: <c>http://127.0.0.2:port</c>.</summary>
    public string Address => $"http://{AllowedAddress}:{Port}";

    public IReadOnlyList<PartnerRequest> Received => [.. _received];

    public static async Task<PartnerServer> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Listen(IPAddress.Parse(AllowedAddress), port);
        });
        var app = builder.Build();
        var server = new PartnerServer(app, port);
        app.Run(server.AnswerAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>The answers to requests for <paramref name="path"/>, in order; the last one repeats.</summary>
    public void Script(string path, params PartnerReply[] replies) => _scripts[path] = new ConcurrentQueue<PartnerReply>(replies);

    public IReadOnlyList<PartnerRequest> ReceivedAt(string path) => [.. _received.Where(r => r.Path == path)];

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value ?? "/";
        _received.Enqueue(new PartnerRequest(context.Request.Method, path,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, DateTime.UtcNow));

        var reply = new PartnerReply(200);
        if (_scripts.TryGetValue(path, out var script))
            reply = script.Count > 1 && script.TryDequeue(out var next) ? next : script.TryPeek(out var last) ? last : reply;
        context.Response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            context.Response.Headers[name] = value;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
