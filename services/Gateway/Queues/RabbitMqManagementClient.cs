using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Queues;

/// <summary>RabbitMQ's management HTTP API, read-only, for the configured virtual host.</summary>
public sealed class RabbitMqManagementClient
{
    private readonly HttpClient _http;
    private readonly string _vhost;

    public RabbitMqManagementClient(HttpClient http, IOptions<RabbitMqOptions> options)
    {
        _http = http;
        _vhost = Uri.EscapeDataString(options.Value.VirtualHost);
    }

    /// <summary>Base address, basic auth and a short timeout: a slow broker must not hold a stats or health request.</summary>
    public static void Configure(HttpClient http, RabbitMqOptions options)
    {
        http.BaseAddress = new Uri($"http://{options.Host}:{options.ManagementPort}/api/");
        http.Timeout = TimeSpan.FromSeconds(3);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")));
    }

    /// <summary>The queue as the broker sees it; <see cref="BrokerQueue.NotDeclared"/> when it does not exist (yet).</summary>
    /// <exception cref="BrokerUnreachableException">The management API did not answer, or not with the queue.</exception>
    public async Task<BrokerQueue> GetQueueAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync($"queues/{_vhost}/{Uri.EscapeDataString(queue)}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
                return BrokerQueue.NotDeclared;
            if (!response.IsSuccessStatusCode)
                throw new BrokerUnreachableException($"The management API answered {(int)response.StatusCode} for queue {queue}.");
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            return BrokerQueue.Parse(document.RootElement);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException
                                              || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new BrokerUnreachableException($"The management API did not answer for queue {queue}: {exception.Message}", exception);
        }
    }
}

public sealed class BrokerUnreachableException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>Messages per second over the broker's sampling window; null where the broker has no sample yet.</summary>
public sealed record QueueRates(double? Publish, double? Deliver, double? Ack);

public sealed record BrokerQueue(bool Declared, long Ready, long Unacknowledged, int Consumers, QueueRates? Rates)
{
    public static readonly BrokerQueue NotDeclared = new(false, 0, 0, 0, null);

    /// <summary>One queue of <c>GET /api/queues/{vhost}/{name}</c>. A just-declared queue may lack counters and stats: they read as 0 and null.</summary>
    public static BrokerQueue Parse(JsonElement queue)
    {
        QueueRates? rates = null;
        if (queue.TryGetProperty("message_stats", out var stats) && stats.ValueKind == JsonValueKind.Object)
            rates = new QueueRates(Rate(stats, "publish"), Rate(stats, "deliver_get") ?? Rate(stats, "deliver"), Rate(stats, "ack"));
        return new BrokerQueue(true, Count(queue, "messages_ready"), Count(queue, "messages_unacknowledged"), (int)Count(queue, "consumers"), rates);
    }

    private static long Count(JsonElement queue, string property) =>
        queue.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static double? Rate(JsonElement stats, string counter) =>
        stats.TryGetProperty($"{counter}_details", out var details)
        && details.ValueKind == JsonValueKind.Object
        && details.TryGetProperty("rate", out var rate)
        && rate.ValueKind == JsonValueKind.Number
            ? rate.GetDouble()
            : null;
}
