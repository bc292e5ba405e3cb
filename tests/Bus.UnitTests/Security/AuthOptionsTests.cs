using Bus.Gateway;
using Bus.Gateway.Redis;
using Bus.Gateway.Security;
using Bus.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Security;

public sealed class AuthOptionsTests
{
    private const string Key = "a-signing-key-of-at-least-thirty-two-bytes";

    [Theory]
    [InlineData(null, null, "Set exactly one of Auth:SigningKey")]
    [InlineData(Key, "https://login.example.com", "Set exactly one of Auth:SigningKey")]
    [InlineData("too-short", null, "Auth:SigningKey must be at least 32 bytes")]
    [InlineData(null, "not a url", "Auth:Authority must be an absolute URL")]
    [InlineData(null, "http://login.example.com", "Auth:Authority must use https")]
    public async Task The_gateway_does_not_start_without_exactly_one_valid_way_to_check_tokens(string? key, string? authority, string message)
    {
        await using var app = Build(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = "bus",
            ["Auth:Audience"] = "bus-api",
            ["Auth:SigningKey"] = key,
            ["Auth:Authority"] = authority,
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(message, string.Join(";", failure.Failures));
    }

    [Fact]
    public async Task Issuer_and_audience_are_required()
    {
        await using var app = Build(new Dictionary<string, string?> { ["Auth:SigningKey"] = Key });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Auth:Issuer is required", string.Join(";", failure.Failures));
        Assert.Contains("Auth:Audience is required", string.Join(";", failure.Failures));
    }

    [Theory]
    [InlineData(Key, null)]
    [InlineData(null, "https://login.example.com/realms/bus")]
    public void A_key_or_an_authority_alone_is_valid(string? key, string? authority)
    {
        var options = new AuthOptions { Issuer = "bus", Audience = "bus-api", SigningKey = key, Authority = authority };

        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.True(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true),
            string.Join("; ", results.Select(r => r.ErrorMessage)));
    }

    [Theory]
    [InlineData("/hubs/tasks", true)]
    [InlineData("/hubs/tasks/negotiate", true)]
    [InlineData("/events", true)]
    [InlineData("/tasks/3c2a0000-8b5e-0015-e1a4-08de2c1e2f0a/events", true)]
    [InlineData("/tasks", false)]
    [InlineData("/tasks/3c2a0000-8b5e-0015-e1a4-08de2c1e2f0a", false)]
    [InlineData("/events-and-more", false)]
    [InlineData("/admin/queues", false)]
    public void Only_live_event_paths_take_a_token_from_the_query_string(string path, bool accepted)
    {
        Assert.Equal(accepted, GatewayAuthentication.AcceptsQueryStringToken(new PathString(path)));
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.AddGatewayAuthentication();
        return builder.Build();
    }
}

public sealed class CorsOriginsTests
{
    [Theory]
    [InlineData("*")]
    [InlineData("https://dashboard.example.com/")]
    [InlineData("https://dashboard.example.com/app")]
    [InlineData("dashboard.example.com")]
    [InlineData("ftp://dashboard.example.com")]
    public async Task An_allowed_origin_that_is_not_a_plain_origin_stops_the_gateway(string origin)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = "bus",
            ["Auth:Audience"] = "bus-api",
            ["Auth:SigningKey"] = "a-signing-key-of-at-least-thirty-two-bytes",
            ["Redis:ConnectionString"] = "127.0.0.1:1",
            ["Cors:AllowedOrigins:0"] = "https://ok.example.com:8443",
            ["Cors:AllowedOrigins:1"] = origin,
        });
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.AddRedis();
        builder.AddGatewaySecurity();
        await using var app = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Cors:AllowedOrigins must hold origins", string.Join(";", failure.Failures));
    }
}
