using System.Net;
using System.Text.Json;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Security;

/// <summary>
/// Two Gateways on one Redis (keys under a prefix of this test class's own) and one database, each client allowed
/// <see cref="Limit"/> requests a minute, counted across both.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private const int Limit = 4;
    private const int AdminLimit = 7;
    private SecuredGateway _first = null!;
    private SecuredGateway _second = null!;

    public async Task InitializeAsync()
    {
        var settings = Settings(TestEnvironment.RedisConnectionString);
        _first = await SecuredGateway.StartAsync(settings);
        _second = await SecuredGateway.StartAsync(settings, _first.Database);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    private readonly string _keyPrefix = $"bus-test-{Guid.NewGuid():N}:";

    private Dictionary<string, string> Settings(string redis) => new()
    {
        ["Redis:ConnectionString"] = $"{redis},connectTimeout=1000",
        ["Redis:KeyPrefix"] = _keyPrefix,
        ["RateLimiting:PermitLimit"] = Limit.ToString(),
        ["RateLimiting:AdminPermitLimit"] = AdminLimit.ToString(),
        ["RateLimiting:Window"] = "00:01:00",
    };

    [Fact]
    public async Task Over_the_limit_a_client_gets_a_429_problem_with_retry_after()
    {
        using var client = _first.As(GatewayRoles.Viewer, subject: Unique("alice"));

        for (var i = 0; i < Limit; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tasks?limit=1")).StatusCode);
        var refused = await client.GetAsync("/tasks?limit=1");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetInt32());
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
    }

    [Fact]
    public async Task Two_gateways_on_one_redis_share_each_clients_limit()
    {
        var subject = Unique("bob");
        using var viaFirst = _first.As(GatewayRoles.Producer, subject);
        using var viaSecond = _second.As(GatewayRoles.Producer, subject);

        for (var i = 0; i < Limit; i++)
            Assert.Equal(HttpStatusCode.OK, (await (i % 2 == 0 ? viaFirst : viaSecond).GetAsync("/tasks?limit=1")).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await viaFirst.GetAsync("/tasks?limit=1")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await viaSecond.GetAsync("/tasks?limit=1")).StatusCode);
    }

    [Fact]
    public async Task Each_client_has_its_own_budget()
    {
        using var greedy = _first.As(GatewayRoles.Viewer, Unique("greedy"));
        using var other = _first.As(GatewayRoles.Viewer, Unique("other"));

        for (var i = 0; i <= Limit; i++)
            await greedy.GetAsync("/tasks?limit=1");

        Assert.Equal(HttpStatusCode.TooManyRequests, (await greedy.GetAsync("/tasks?limit=1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/tasks?limit=1")).StatusCode);
    }

    [Fact]
    public async Task An_admin_has_the_admin_limit()
    {
        using var admin = _first.As(GatewayRoles.Admin, Unique("operator"));

        for (var i = 0; i < AdminLimit; i++)
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/tasks?limit=1")).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await admin.GetAsync("/tasks?limit=1")).StatusCode);
    }

    [Fact]
    public async Task Health_probes_are_never_limited()
    {
        using var client = _first.Anonymous();

        for (var i = 0; i < Limit * 3; i++)
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Without_redis_requests_go_through_unlimited()
    {
        var settings = Settings($"127.0.0.1:{FreePort.Next()}");
        await using var gateway = await SecuredGateway.StartAsync(settings, _first.Database);
        using var client = gateway.As(GatewayRoles.Viewer, Unique("carol"));

        for (var i = 0; i < Limit * 2; i++)
        {
            var response = await client.GetAsync("/tasks?limit=1");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"request {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}";
}
