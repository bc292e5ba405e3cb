using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bus.IntegrationTests.Security;

/// <summary><c>dotnet Bus.Gateway.dll token …</c> run as a process, the way scripts/run mints the admin token it prints.</summary>
public sealed class TokenCommandTests
{
    [Fact]
    public async Task The_token_command_prints_only_a_token_the_gateway_accepts()
    {
        await using var process = ServiceProcess.Start("services/Gateway", "Bus.Gateway", Environment(TestTokens.ProcessSettings),
            "token", "--role", "producer", "--subject", "alice", "--lifetime", "2h");

        var output = (await process.ReadOutputAsync(TimeSpan.FromMinutes(1))).Trim();

        Assert.DoesNotContain('\n', output);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(output, new TokenValidationParameters
        {
            ValidIssuer = TestTokens.Issuer,
            ValidAudience = TestTokens.Audience,
            IssuerSigningKey = new SymmetricSecurityKey(TestTokens.Options.SigningKeyBytes),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("alice", token.Subject);
        Assert.Equal(["producer"], token.Claims.Where(c => c.Type == GatewayAuthentication.RoleClaim).Select(c => c.Value));
        Assert.InRange(token.ValidTo - token.ValidFrom, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task The_token_command_refuses_when_only_an_authority_is_configured()
    {
        var settings = TestTokens.ProcessSettings.Where(s => s.Key != "Auth__SigningKey").ToDictionary();
        settings["Auth__Authority"] = "https://login.example.com/realms/bus";
        await using var process = ServiceProcess.Start("services/Gateway", "Bus.Gateway", Environment(settings), "token", "--role", "admin");

        await Assert.ThrowsAsync<InvalidOperationException>(() => process.ReadOutputAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("Auth:Authority", await File.ReadAllTextAsync(process.LogPath));
    }

    private static Dictionary<string, string> Environment(IReadOnlyDictionary<string, string> auth)
    {
        var settings = auth.ToDictionary();
        settings["ASPNETCORE_ENVIRONMENT"] = "Testing";
        return settings;
    }
}
