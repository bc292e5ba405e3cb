using Bus.ServiceDefaults;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Security;

/// <summary>Everything between the network and the endpoints: body size, CORS, authentication, rate limits, authorization.</summary>
public static class GatewaySecurity
{
    private const string CorsPolicy = "configured-origins";

    public static IHostApplicationBuilder AddGatewaySecurity(this IHostApplicationBuilder builder)
    {
        builder.SilenceLoggingForTokenCommand();
        builder.AddGatewayAuthentication();
        builder.AddValidatedOptions<RateLimitingOptions>(RateLimitingOptions.Section);
        builder.AddValidatedOptions<GatewayCorsOptions>(GatewayCorsOptions.Section)
            .Validate(cors => cors.AllowedOrigins.All(IsOrigin), "Cors:AllowedOrigins must hold origins like https://dashboard.example.com (scheme, host, optional port; no path, no *)");

        // No endpoint reads more than the batch limit, so neither does Kestrel (its own default is 30 MB).
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
                kestrel.Limits.MaxRequestBodySize = Math.Max(gateway.Value.MaxRequestBodyBytes, gateway.Value.MaxBatchBodyBytes));

        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<GatewayCorsOptions>>((cors, configured) => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(configured.Value.AllowedOrigins)
            .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
            // x-requested-with and x-signalr-user-agent: what SignalR's JavaScript client sends.
            .WithHeaders("authorization", "content-type", "accept", "last-event-id", "x-requested-with", "x-signalr-user-agent")
            .WithExposedHeaders("location", "retry-after")
            .AllowCredentials()
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return builder;
    }

    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseMiddleware<RedisRateLimiter>();
        app.UseAuthorization();
        return app;
    }

    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && !origin.EndsWith('/') && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo);
}
