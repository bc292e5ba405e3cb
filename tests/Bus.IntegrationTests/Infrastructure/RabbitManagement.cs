using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>RabbitMQ's management HTTP API: what an operator sees in the management UI.</summary>
public sealed class RabbitManagement : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = new Uri($"http://{TestEnvironment.RabbitHost}:{TestEnvironment.RabbitManagementPort}/api/"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public RabbitManagement()
    {
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestEnvironment.RabbitUser}:{TestEnvironment.RabbitPassword}"));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
    }

    /// <summary>A virtual host of its own, so a test run's queues never mix with a developer's running system.</summary>
    public async Task CreateVirtualHostAsync(string vhost)
    {
        (await _http.PutAsync($"vhosts/{Uri.EscapeDataString(vhost)}", null)).EnsureSuccessStatusCode();
        var permissions = JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" });
        (await _http.PutAsync($"permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(TestEnvironment.RabbitUser)}", permissions)).EnsureSuccessStatusCode();
    }

    public async Task DeleteVirtualHostAsync(string vhost) =>
        await _http.DeleteAsync($"vhosts/{Uri.EscapeDataString(vhost)}");

    /// <summary>Peeks at up to <paramref name="count"/> messages and puts them back, as the UI's "Get messages" does.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> PeekAsync(string vhost, string queue, int count = 100)
    {
        var response = await _http.PostAsJsonAsync(
            $"queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}/get",
            new { count, ackmode = "ack_requeue_true", encoding = "auto", truncate = 100_000 });
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return [];
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray().Select(QueuedMessage.From).ToList();
    }

    /// <summary>A management API document, e.g. <c>queues/{vhost}/{queue}</c> or its <c>/bindings</c>; null when it does not exist.</summary>
    public async Task<JsonElement?> GetAsync(string path)
    {
        var response = await _http.GetAsync(path);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return null;
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Puts a MassTransit message straight on an exchange, as another service's producer would: a command on its queue's
    /// (e.g. <c>export</c>), an event on its type's (<c>Bus.Contracts.Tasks:TaskDeadLettered</c>).
    /// </summary>
    public async Task PublishCommandAsync(string vhost, string exchange, string messageType, object message)
    {
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { $"urn:message:{messageType}" },
            message,
            sentTime = DateTime.UtcNow,
            headers = new { },
        }, JsonSerializerOptions.Web);
        var response = await _http.PostAsJsonAsync($"exchanges/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(exchange)}/publish", new
        {
            properties = new { content_type = "application/vnd.masstransit+json", delivery_mode = 2 },
            routing_key = "",
            payload = envelope,
            payload_encoding = "string",
        });
        response.EnsureSuccessStatusCode();
        Assert.Contains("\"routed\":true", await response.Content.ReadAsStringAsync());
    }

    /// <summary>Declares two durable fanout exchanges and binds <paramref name="destination"/> to <paramref name="source"/>, as MassTransit does for a consumer's message type.</summary>
    public async Task BindExchangesAsync(string vhost, string source, string destination)
    {
        foreach (var exchange in new[] { source, destination })
            (await _http.PutAsJsonAsync($"exchanges/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(exchange)}", new { type = "fanout", durable = true }))
                .EnsureSuccessStatusCode();
        (await _http.PostAsJsonAsync($"bindings/{Uri.EscapeDataString(vhost)}/e/{Uri.EscapeDataString(source)}/e/{Uri.EscapeDataString(destination)}", new { routing_key = "" }))
            .EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}

public sealed record QueuedMessage(string Payload, IReadOnlyDictionary<string, string> Headers)
{
    public static QueuedMessage From(JsonElement message)
    {
        var headers = new Dictionary<string, string>();
        if (message.GetProperty("properties").TryGetProperty("headers", out var raw) && raw.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in raw.EnumerateObject())
                headers[header.Name] = header.Value.ValueKind == JsonValueKind.String ? header.Value.GetString()! : header.Value.GetRawText();
        }
        return new QueuedMessage(message.GetProperty("payload").GetString() ?? "", headers);
    }
}
