using System.Net;
using System.Net.Http.Json;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Bus.IntegrationTests.Gateway;

/// <summary>The Gateway with its database unreachable: clients get a 503 problem they can retry, never a 500.</summary>
public sealed class GatewayDependencyFailureTests : IAsyncLifetime
{
    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(Configure);
        _client = _factory.CreateClientFor(GatewayRoles.Admin);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    private void Configure(IWebHostBuilder web)
    {
        web.UseTestBroker(_virtualHost);
        web.UseSetting("Postgres:ConnectionString", $"Host=127.0.0.1;Port={FreePort.Next()};Username=bus;Password=bus;Database=bus;Timeout=2");
        web.UseSetting("Queues:task-state:RetryIntervals:0", "00:00:00.010");
        web.UseSetting("Gateway:SubmitTimeout", "00:00:20");
    }

    [Fact]
    public async Task Submitting_while_the_task_store_is_down_is_a_503_problem()
    {
        var response = await _client.PostAsJsonAsync("/tasks", new
        {
            type = "email_notification",
            data = new { to = new[] { "user@example.com" }, subject = "s", body = "b" },
        });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Reading_a_task_while_the_database_is_down_is_a_503_problem()
    {
        var response = await _client.GetAsync($"/tasks/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Readiness_reports_the_database_as_unhealthy()
    {
        var response = await _client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
    }
}
