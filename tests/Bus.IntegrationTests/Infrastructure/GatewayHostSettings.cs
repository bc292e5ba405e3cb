using Microsoft.AspNetCore.Hosting;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>Settings for a Gateway run in-process by WebApplicationFactory against the real broker.</summary>
public static class GatewayHostSettings
{
    /// <summary>
    /// The Testing environment and the test RabbitMQ, in a virtual host of the test's own; tokens from
    /// <see cref="TestTokens"/> are accepted.
    /// </summary>
    public static IWebHostBuilder UseTestBroker(this IWebHostBuilder web, string virtualHost)
    {
        web.UseEnvironment("Testing")
            .UseSetting("RabbitMq:Host", TestEnvironment.RabbitHost)
            .UseSetting("RabbitMq:Port", TestEnvironment.RabbitPort.ToString())
            .UseSetting("RabbitMq:VirtualHost", virtualHost)
            .UseSetting("RabbitMq:Username", TestEnvironment.RabbitUser)
            .UseSetting("RabbitMq:Password", TestEnvironment.RabbitPassword);
        foreach (var (key, value) in TestTokens.Settings)
            web.UseSetting(key, value);
        return web;
    }
}
