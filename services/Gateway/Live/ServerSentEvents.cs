using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Bus.Gateway.Live;

/// <summary>Writes <c>text/event-stream</c>: each event flushed at once, nothing buffered by the server or a proxy.</summary>
public sealed class ServerSentEvents
{
    private readonly HttpResponse _response;

    private ServerSentEvents(HttpResponse response) => _response = response;

    public static async Task<ServerSentEvents> StartAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // nginx (and ingress controllers built on it) would otherwise hold events back.
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken);
        return new ServerSentEvents(response);
    }

    public Task WriteAsync(string eventName, string id, object data, CancellationToken cancellationToken) =>
        WriteRawAsync($"event: {eventName}\nid: {id}\ndata: {JsonSerializer.Serialize(data, LiveEventFeed.Json)}\n\n", cancellationToken);

    public Task HeartbeatAsync(CancellationToken cancellationToken) => WriteRawAsync(": heartbeat\n\n", cancellationToken);

    private async Task WriteRawAsync(string text, CancellationToken cancellationToken)
    {
        await _response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await _response.Body.FlushAsync(cancellationToken);
    }
}
