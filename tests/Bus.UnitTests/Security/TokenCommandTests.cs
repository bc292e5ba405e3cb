using Bus.Gateway.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Bus.UnitTests.Security;

public sealed class TokenCommandTests
{
    private static readonly AuthOptions Auth = new() { Issuer = "bus", Audience = "bus-api", SigningKey = "a-signing-key-of-at-least-thirty-two-bytes" };

    [Theory]
    [InlineData("8h", 8 * 60)]
    [InlineData("30m", 30)]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("01:30:00", 90)]
    public void The_lifetime_takes_units_or_a_time_span(string text, int minutes)
    {
        var (request, problem) = TokenCommand.Parse(["--role", "viewer", "--lifetime", text]);

        Assert.Null(problem);
        Assert.Equal(TimeSpan.FromMinutes(minutes), request!.Lifetime);
    }

    [Theory]
    [InlineData(new string[0], "give at least one --role")]
    [InlineData(new[] { "--role", "root" }, "unknown role 'root'")]
    [InlineData(new[] { "--role", "admin", "--lifetime", "0h" }, "--lifetime must be")]
    [InlineData(new[] { "--role", "admin", "--lifetime", "400d" }, "--lifetime must be")]
    [InlineData(new[] { "--role", "admin", "--subject" }, "--subject needs a value")]
    [InlineData(new[] { "--role", "admin", "--color", "red" }, "unknown option '--color'")]
    public void Bad_arguments_are_refused_with_the_reason(string[] args, string reason)
    {
        var (request, problem) = TokenCommand.Parse(args);

        Assert.Null(request);
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void The_command_prints_one_token_with_every_role_and_the_subject()
    {
        var output = new StringWriter();

        var exit = TokenCommand.Execute(Options.Create(Auth), ["--role", "viewer,producer", "--subject", "alice"], output, TextWriter.Null);

        Assert.Equal(0, exit);
        var token = new JsonWebToken(output.ToString().Trim());
        Assert.Equal("alice", token.Subject);
        Assert.Equal(["viewer", "producer"], token.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.Equal("bus", token.Issuer);
    }

    [Fact]
    public void With_only_an_authority_the_command_refuses_to_mint()
    {
        var error = new StringWriter();
        var output = new StringWriter();

        var exit = TokenCommand.Execute(Options.Create(new AuthOptions { Issuer = "bus", Audience = "bus-api", Authority = "https://login.example.com" }),
            ["--role", "admin"], output, error);

        Assert.NotEqual(0, exit);
        Assert.Equal("", output.ToString());
        Assert.Contains("Auth:Authority", error.ToString());
    }
}
