using Bus.Cli;
using Bus.IntegrationTests.Infrastructure;
using Bus.IntegrationTests.Security;
using Bus.ServiceDefaults.QueueControl;

namespace Bus.IntegrationTests.Cli;

/// <summary>What one run of <c>bus</c> printed and exited with.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// A real Gateway (in-process Kestrel on its own virtual host and database, demo endpoints on, no workers or Scheduler)
/// and <c>bus</c> run in-process against it, with an environment of its own so the machine's BUS_* never leak in.
/// </summary>
public sealed class CliGateway : IAsyncLifetime
{
    public SecuredGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await SecuredGateway.StartAsync(new Dictionary<string, string> { ["Gateway:EnableDemoEndpoints"] = "true" });
        // The workers create the pause table when they start; here none does.
        await QueuePauses.EnsureSchemaAsync(Gateway.Database, CancellationToken.None);
    }

    public async Task DisposeAsync() => await Gateway.DisposeAsync();

    /// <summary><c>bus --url … --token (admin) args…</c>.</summary>
    public Task<CliRun> RunAsync(params string[] args) => RunAsRoleAsync(Bus.Gateway.Security.GatewayRoles.Admin, args);

    public Task<CliRun> RunAsRoleAsync(string role, params string[] args) => RunAgainstAsync(Gateway.Address, role, args);

    /// <summary><c>bus --url <paramref name="gateway"/> --token (<paramref name="role"/>) args…</c>.</summary>
    public static Task<CliRun> RunAgainstAsync(Uri gateway, string role, params string[] args) =>
        RunWithAsync(["--url", gateway.ToString(), "--token", TestTokens.For(role), .. args]);

    /// <summary>Exactly <paramref name="args"/>; <paramref name="environment"/> is all the environment <c>bus</c> sees.</summary>
    public static async Task<CliRun> RunWithAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await BusCli.RunAsync(args, output, error, name => environment?.GetValueOrDefault(name));
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}
