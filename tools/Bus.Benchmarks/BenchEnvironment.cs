using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MassTransit;
using Npgsql;

namespace Bus.Benchmarks;

/// <summary>The servers scripts/infra started, from the same BUS_* variables (and defaults) as scripts/lib/env.sh.</summary>
public static class BenchEnvironment
{
    public static string RabbitHost => Get("BUS_RABBITMQ_HOST", "127.0.0.1");
    public static int RabbitPort => int.Parse(Get("BUS_RABBITMQ_PORT", "5672"));
    public static int RabbitManagementPort => int.Parse(Get("BUS_RABBITMQ_MANAGEMENT_PORT", "15672"));
    public static string RabbitUser => Get("BUS_RABBITMQ_USER", "bus");
    public static string RabbitPassword => Get("BUS_RABBITMQ_PASSWORD", "bus");
    public static string RedisConnectionString => $"{Get("BUS_REDIS_HOST", "127.0.0.1")}:{Get("BUS_REDIS_PORT", "6379")}";
    public static string EncryptionKey => Get("BUS_ENCRYPTION_KEY", "ZGV2ZWxvcG1lbnQta2V5LWZvci1idXMtb25seS0zMmI=");
    public static string SigningKey => Get("BUS_AUTH_SIGNING_KEY", "bus-development-signing-key-not-for-production-0123456789");
    public static string Issuer => Get("BUS_AUTH_ISSUER", "bus");
    public static string Audience => Get("BUS_AUTH_AUDIENCE", "bus-api");
    public static string ExportReaderPassword => Get("BUS_EXPORT_READER_PASSWORD", "bus-export-reader-dev");

    /// <summary>A bus of the benchmark's own on this RabbitMQ, in <paramref name="virtualHost"/>.</summary>
    public static void ConnectTo(this IRabbitMqBusFactoryConfigurator rabbit, string virtualHost) =>
        rabbit.Host(RabbitHost, (ushort)RabbitPort, virtualHost, host =>
        {
            host.Username(RabbitUser);
            host.Password(RabbitPassword);
        });

    /// <summary>The settings the <c>noop</c> worker's queue has, so the bare-broker scenarios compare with the task ones.</summary>
    public static void LikeTheNoopQueue(this IReceiveEndpointConfigurator endpoint)
    {
        endpoint.ConcurrentMessageLimit = 16;
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.PrefetchCount = 32;
    }

    /// <summary>Pool size as the services' appsettings.json has it: the figures are for the shipped defaults.</summary>
    public static string PostgresConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = Get("BUS_POSTGRES_HOST", "127.0.0.1"),
        Port = int.Parse(Get("BUS_POSTGRES_PORT", "5432")),
        Username = Get("BUS_POSTGRES_USER", "bus"),
        Password = Get("BUS_POSTGRES_PASSWORD", "bus"),
        Database = database ?? Get("BUS_POSTGRES_DB", "bus"),
        MaxPoolSize = 50,
    }.ConnectionString;

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A RabbitMQ virtual host of the run's own (management API), so its queues never mix with anyone else's.</summary>
    public static async Task CreateVirtualHostAsync(string vhost)
    {
        using var http = Management();
        (await http.PutAsync($"vhosts/{Uri.EscapeDataString(vhost)}", null)).EnsureSuccessStatusCode();
        var permissions = JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" });
        (await http.PutAsync($"permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(RabbitUser)}", permissions)).EnsureSuccessStatusCode();
    }

    public static async Task DeleteVirtualHostAsync(string vhost)
    {
        using var http = Management();
        await http.DeleteAsync($"vhosts/{Uri.EscapeDataString(vhost)}");
    }

    /// <summary>
    /// Messages each queue of <paramref name="vhost"/> has delivered to consumers so far (the management API's counters).
    /// A queue without figures yet may report <c>message_stats</c> as an empty array rather than an object.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> DeliveriesByQueueAsync(string vhost)
    {
        using var http = Management();
        var queues = await http.GetFromJsonAsync<JsonElement>($"queues/{Uri.EscapeDataString(vhost)}?columns=name,message_stats.deliver_get");
        return queues.EnumerateArray().ToDictionary(
            q => q.GetProperty("name").GetString()!,
            q => q.TryGetProperty("message_stats", out var stats) && stats.ValueKind == JsonValueKind.Object
                && stats.TryGetProperty("deliver_get", out var count) ? count.GetInt64() : 0);
    }

    private static HttpClient Management()
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{RabbitHost}:{RabbitManagementPort}/api/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitUser}:{RabbitPassword}")));
        return http;
    }

    private static string Get(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
