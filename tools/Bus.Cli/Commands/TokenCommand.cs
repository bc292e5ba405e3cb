using System.CommandLine;
using System.Text;
using Bus.Tokens;

namespace Bus.Cli.Commands;

/// <summary>
/// <c>bus token --role admin|producer|viewer</c>: a token signed like the Gateway's <c>token</c> command (shared
/// <see cref="BusTokens"/>), from <c>--signing-key/--issuer/--audience</c> or <c>BUS_AUTH_*</c> as scripts/lib/env.sh sets them.
/// </summary>
public static class TokenCommand
{
    public static Command Create(BusCli cli)
    {
        var roles = new Option<string[]>("--role", "-r") { Description = $"A role: {string.Join(", ", BusRoles.All)} (repeat or comma-separate for more)", Required = true, AllowMultipleArgumentsPerToken = true };
        var subject = new Option<string>("--subject") { Description = "Who the token names (sub)", DefaultValueFactory = _ => "dev" };
        var lifetime = new Option<string>("--lifetime") { Description = "How long it is valid: 8h, 30m, 7d or hh:mm:ss", DefaultValueFactory = _ => "8h" };
        var signingKey = new Option<string?>("--signing-key") { Description = "The Gateway's Auth:SigningKey (default: $BUS_AUTH_SIGNING_KEY)" };
        var issuer = new Option<string?>("--issuer") { Description = "The Gateway's Auth:Issuer (default: $BUS_AUTH_ISSUER)" };
        var audience = new Option<string?>("--audience") { Description = "The Gateway's Auth:Audience (default: $BUS_AUTH_AUDIENCE)" };
        var command = new Command("token", "Mint a development token with the Gateway's signing key; prints only the token")
        {
            roles, subject, lifetime, signingKey, issuer, audience,
        };
        cli.HandleLocally(command, (parse, output) =>
        {
            var signing = new TokenSigning(
                Setting(parse.GetValue(issuer), cli.Environment("BUS_AUTH_ISSUER"), "--issuer or BUS_AUTH_ISSUER"),
                Setting(parse.GetValue(audience), cli.Environment("BUS_AUTH_AUDIENCE"), "--audience or BUS_AUTH_AUDIENCE"),
                Encoding.UTF8.GetBytes(Setting(parse.GetValue(signingKey), cli.Environment("BUS_AUTH_SIGNING_KEY"), "--signing-key or BUS_AUTH_SIGNING_KEY")));
            if (signing.SigningKey.Length < BusTokens.MinSigningKeyBytes)
                throw CliException.Usage($"the signing key must be at least {BusTokens.MinSigningKeyBytes} bytes; it is {signing.SigningKey.Length}");
            var given = Roles(parse.GetValue(roles) ?? []);
            var name = parse.GetValue(subject)!;
            if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
                throw CliException.Usage("--subject must be 1 to 200 characters");
            if (BusTokens.ParseLifetime(parse.GetValue(lifetime)!) is not { } valid || valid <= TimeSpan.Zero || valid > BusTokens.MaxLifetime)
                throw CliException.Usage($"--lifetime must be like 8h, 30m, 7d or 08:00:00, at most {BusTokens.MaxLifetime.TotalDays} days");
            output.WriteLine(BusTokens.Mint(signing, name, given, valid));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static IReadOnlyList<string> Roles(IEnumerable<string> values)
    {
        var roles = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToList();
        if (roles.FirstOrDefault(r => !BusRoles.All.Contains(r)) is { } unknown)
            throw CliException.Usage($"unknown role '{unknown}'; roles: {string.Join(", ", BusRoles.All)}");
        return roles.Count > 0 ? roles : throw CliException.Usage("give at least one --role");
    }

    private static string Setting(string? option, string? environment, string names) =>
        option ?? environment ?? throw CliException.Usage($"give {names} (`. scripts/lib/env.sh` sets the development ones)");
}
