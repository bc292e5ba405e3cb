using Bus.ServiceDefaults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Bus.Gateway.Redis;

public static class RedisConnection
{
    /// <summary>
    /// One multiplexer per process, shared by rate limiting and live events. It connects in the background and
    /// keeps retrying (AbortOnConnectFail off), so the Gateway starts, and answers health, while Redis is down.
    /// </summary>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RedisOptions>(RedisOptions.Section);
        builder.Services.AddSingleton<IConnectionMultiplexer>(services =>
        {
            var options = ConfigurationOptions.Parse(services.GetRequiredService<IOptions<RedisOptions>>().Value.ConnectionString);
            options.AbortOnConnectFail = false;
            options.ClientName ??= "bus-gateway";
            return ConnectionMultiplexer.Connect(options);
        });
        builder.Services.AddHealthChecks().AddRedis(
            services => services.GetRequiredService<IConnectionMultiplexer>(),
            name: "redis",
            tags: ["ready"],
            timeout: TimeSpan.FromSeconds(5));
        return builder;
    }
}
