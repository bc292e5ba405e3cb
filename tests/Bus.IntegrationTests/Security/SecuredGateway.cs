using Bus.Gateway.Persistence;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.IntegrationTests.Security;

/// <summary>
/// The whole Gateway in-process behind real Kestrel, on a virtual host and migrated database of its own, with the
/// test signing key, one allowed CORS origin and any extra <paramref name="settings"/>.
/// </summary>
public sealed class SecuredGateway(IReadOnlyDictionary<string, string>? settings = null, string? database = null) : IAsyncDisposable
{
    public const string AllowedOrigin = "https://dashboard.example.com";

    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private bool _ownsDatabase;

    public WebApplicationFactory<Program> Factory { get; private set; } = null!;
    public Uri Address { get; private set; } = null!;
    public string Database { get; private set; } = database ?? "";

    public static async Task<SecuredGateway> StartAsync(IReadOnlyDictionary<string, string>? settings = null, string? database = null)
    {
        var gateway = new SecuredGateway(settings, database);
        await gateway.InitializeAsync();
        return gateway;
    }

    private async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        if (Database == "")
        {
            Database = await TestEnvironment.CreateDatabaseAsync("bus_security");
            _ownsDatabase = true;
        }
        var port = FreePort.Next();
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseTestBroker(_virtualHost);
            web.UseUrls($"http://127.0.0.1:{port}");
            web.UseSetting("Postgres:ConnectionString", Database);
            web.UseSetting("Cors:AllowedOrigins:0", AllowedOrigin);
            web.UseSetting("Schedules:RequestTimeout", "00:00:02");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                web.UseSetting(key, value);
        });
        Factory.UseKestrel();
        Factory.StartServer();
        Address = new Uri($"http://127.0.0.1:{port}");
        if (_ownsDatabase)
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TaskDbContext>().Database.MigrateAsync();
        }
    }

    /// <summary>A client of the real server with no token.</summary>
    public HttpClient Anonymous() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client of the real server with a valid token for <paramref name="role"/>.</summary>
    public HttpClient As(string role, string subject = TestTokens.Subject) => Anonymous().WithRole(role, subject);

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_ownsDatabase)
            await TestEnvironment.DropDatabaseAsync(Database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredGatewayCollection : ICollectionFixture<SecuredGatewayFixture>
{
    public const string Name = "secured gateway";
}

/// <summary>One <see cref="SecuredGateway"/> shared by the test classes of <see cref="SecuredGatewayCollection"/>.</summary>
public sealed class SecuredGatewayFixture : IAsyncLifetime
{
    public SecuredGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() => Gateway = await SecuredGateway.StartAsync();

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}
