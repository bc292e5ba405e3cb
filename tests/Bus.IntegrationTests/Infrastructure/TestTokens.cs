using System.Net.Http.Headers;
using Bus.Gateway.Security;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>
/// Bearer tokens for Gateways under test, signed with a key only the tests use. In-process Gateways get the matching
/// Auth settings from <see cref="GatewayHostSettings.UseTestBroker"/>, Gateway processes from <see cref="ProcessSettings"/>.
/// </summary>
public static class TestTokens
{
    public const string SigningKey = "bus-integration-tests-signing-key-0123456789abcdef";
    public const string Issuer = "bus-tests";
    public const string Audience = "bus-tests-api";
    public const string Subject = "test-user";

    public static AuthOptions Options => new() { Issuer = Issuer, Audience = Audience, SigningKey = SigningKey };

    /// <summary>Auth settings, plus a rate limit no test reaches unless it sets its own.</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:Issuer"] = Issuer,
        ["Auth:Audience"] = Audience,
        ["Auth:SigningKey"] = SigningKey,
        ["RateLimiting:PermitLimit"] = "1000000",
        ["RateLimiting:AdminPermitLimit"] = "1000000",
    };

    /// <summary><see cref="Settings"/> as environment variables for a service process.</summary>
    public static IReadOnlyDictionary<string, string> ProcessSettings { get; } =
        Settings.ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value);

    /// <summary>A valid token for one hour.</summary>
    public static string For(string role, string subject = Subject) =>
        GatewayTokens.Mint(Options, subject, [role], TimeSpan.FromHours(1));

    public static string Expired(string role) =>
        GatewayTokens.Mint(Options, Subject, [role], TimeSpan.FromMinutes(5), now: DateTime.UtcNow.AddHours(-1));

    public static string SignedWithAnotherKey(string role) =>
        GatewayTokens.Mint(new AuthOptions { Issuer = Issuer, Audience = Audience, SigningKey = "not-the-gateways-key-but-long-enough-0123456789" },
            Subject, [role], TimeSpan.FromHours(1));

    /// <summary>Every request of <paramref name="client"/> carries a token for <paramref name="role"/> (admin unless told).</summary>
    public static HttpClient WithRole(this HttpClient client, string role = GatewayRoles.Admin, string subject = Subject)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", For(role, subject));
        return client;
    }

    /// <summary>A client of an in-process Gateway acting as <paramref name="role"/>.</summary>
    public static HttpClient CreateClientFor(this WebApplicationFactory<Program> factory, string role = GatewayRoles.Admin) =>
        factory.CreateClient().WithRole(role);
}
