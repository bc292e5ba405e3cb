using System.Net;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Bus.IntegrationTests.Admin;

/// <summary>The admin endpoints with PostgreSQL unreachable: a 503 problem the operator can repeat, never a 500.</summary>
public sealed class AdminDependencyFailureTests : IAsyncLifetime
{
    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseTestBroker(_virtualHost)
            .UseSetting("Postgres:ConnectionString", $"Host=127.0.0.1;Port={FreePort.Next()};Username=bus;Password=bus;Database=bus;Timeout=2"));
        _client = _factory.CreateClientFor();
        _client.Timeout = TimeSpan.FromSeconds(30);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    [Theory]
    [InlineData("/admin/queues/email/pause")]
    [InlineData("/admin/queues/email/resume")]
    [InlineData("/admin/queues/email/clean/completed?gracePeriod=0")]
    [InlineData("/admin/retry-failed")]
    public async Task With_the_database_down_the_answer_is_a_503_problem(string path)
    {
        var response = await _client.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
