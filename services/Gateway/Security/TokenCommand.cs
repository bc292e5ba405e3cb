using Bus.Gateway.Persistence;
using Bus.ServiceDefaults.Persistence;
using Bus.Tokens;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Security;

/// <summary>
/// <c>token --role admin [--role viewer] [--subject alice] [--lifetime 8h]</c>: prints a development token signed with
/// Auth:SigningKey and exits (what scripts/run does to hand out an admin token).
/// </summary>
public static class TokenCommand
{
    public const string Name = "token";
    private static readonly TimeSpan MaxLifetime = BusTokens.MaxLifetime;

    /// <summary>
    /// The command's standard output must hold only the token, and the bus logs its endpoints while the app is built, so
    /// logging is off when the process was started as <c>token …</c>.
    /// </summary>
    public static void SilenceLoggingForTokenCommand(this IHostApplicationBuilder builder)
    {
        if (Environment.GetCommandLineArgs() is [_, Name or Dashboard.HashPasswordCommand.Name, ..])
            builder.Logging.ClearProviders();
    }

    /// <summary>The Gateway's entry point: <c>token …</c> mints a token, <c>hash-password</c> hashes a dashboard password; anything else runs (or migrates) the service.</summary>
    public static async Task RunOrExecuteCommandAsync(this WebApplication app, string[] args)
    {
        if (args is [Name, .. var options])
        {
            Environment.ExitCode = Execute(app.Services.GetRequiredService<IOptions<AuthOptions>>(), options, Console.Out, Console.Error);
            return;
        }
        if (args is [Dashboard.HashPasswordCommand.Name])
        {
            Environment.ExitCode = Dashboard.HashPasswordCommand.Execute(Console.In, Console.Out, Console.Error);
            return;
        }
        await app.RunOrMigrateAsync<TaskDbContext>(args);
    }

    /// <summary>Writes only the token to <paramref name="output"/> (so <c>$(…)</c> captures it); 0, or 2 with the reason on <paramref name="error"/>.</summary>
    public static int Execute(IOptions<AuthOptions> options, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var (request, problem) = Parse(args);
        if (request is null)
        {
            error.WriteLine($"token: {problem}");
            error.WriteLine("usage: token --role admin|producer|viewer [--role …] [--subject NAME] [--lifetime 8h|30m|7d|hh:mm:ss]");
            return 2;
        }

        AuthOptions auth;
        try
        {
            auth = options.Value;
        }
        catch (OptionsValidationException exception)
        {
            error.WriteLine($"token: {string.Join("; ", exception.Failures)}");
            return 2;
        }
        if (!auth.HasSigningKey)
        {
            error.WriteLine("token: only Auth:Authority is configured; tokens come from that OpenID Connect provider, not from the Gateway.");
            return 2;
        }

        output.WriteLine(GatewayTokens.Mint(auth, request.Subject, request.Roles, request.Lifetime));
        return 0;
    }

    public sealed record TokenRequest(IReadOnlyList<string> Roles, string Subject, TimeSpan Lifetime);

    public static (TokenRequest? Request, string? Problem) Parse(IReadOnlyList<string> args)
    {
        var roles = new List<string>();
        var subject = "dev";
        var lifetime = TimeSpan.FromHours(8);
        for (var i = 0; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count)
                return (null, $"{args[i]} needs a value");
            var value = args[i + 1];
            switch (args[i])
            {
                case "--role":
                    foreach (var role in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!GatewayRoles.All.Contains(role))
                            return (null, $"unknown role '{role}'; roles: {string.Join(", ", GatewayRoles.All)}");
                        roles.Add(role);
                    }
                    break;
                case "--subject":
                    if (string.IsNullOrWhiteSpace(value) || value.Length > 200)
                        return (null, "--subject must be 1 to 200 characters");
                    subject = value;
                    break;
                case "--lifetime":
                    if (BusTokens.ParseLifetime(value) is not { } parsed || parsed <= TimeSpan.Zero || parsed > MaxLifetime)
                        return (null, $"--lifetime must be like 8h, 30m, 7d or 08:00:00, at most {MaxLifetime.TotalDays} days");
                    lifetime = parsed;
                    break;
                default:
                    return (null, $"unknown option '{args[i]}'");
            }
        }
        return roles.Count == 0
            ? (null, "give at least one --role")
            : (new TokenRequest([.. roles.Distinct()], subject, lifetime), null);
    }
}
