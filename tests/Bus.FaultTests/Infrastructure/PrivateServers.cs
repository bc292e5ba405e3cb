using Bus.IntegrationTests.Infrastructure;

namespace Bus.FaultTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class FaultSuiteCollection : ICollectionFixture<FaultSuite>
{
    // One collection: the scenarios restart the servers they share, so they run one after another.
    public const string Name = "fault suite";
}

/// <summary>The private servers and the one system on them that every scenario drives, each with its own stream of tasks.</summary>
public sealed class FaultSuite : IAsyncLifetime
{
    private readonly PrivateServers _servers = new();

    public FaultSystem System { get; private set; } = null!;

    /// <summary>Why the suite cannot run here (no RabbitMQ or PostgreSQL server binaries installed), or null.</summary>
    public string? Unavailable { get; } = PrivateServers.MissingBinaries();

    /// <summary>Skips the calling scenario, with the reason, where the servers cannot be started.</summary>
    public void SkipUnlessAvailable() => Skip.If(Unavailable is not null, Unavailable);

    public async Task InitializeAsync()
    {
        if (Unavailable is not null)
            return;
        await _servers.InitializeAsync();
        try
        {
            System = await FaultSystem.StartAsync(_servers);
            // A few tasks first, so that no scenario measures a cold start (JIT, connection pools, first queue declarations).
            await Ledger.CheckAsync(System, TaskStream.Start(System.Gateway, "warmup", count: 5, perSecond: 0), restarts: 0);
        }
        catch (Exception)
        {
            await _servers.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Unavailable is not null)
            return;
        try
        {
            if (System is not null)
                await System.DisposeAsync();
        }
        finally
        {
            await _servers.DisposeAsync();
        }
    }
}

/// <summary>
/// The suite's own RabbitMQ and PostgreSQL, started once for every scenario and stopped (their data deleted) at the end.
/// The shared servers of scripts/infra are never touched: other test runs depend on them.
/// </summary>
public sealed class PrivateServers : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"{LeftoverServers.Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..32]);

    public PrivateRabbitMq Rabbit { get; private set; } = null!;
    public PrivatePostgres Postgres { get; private set; } = null!;
    /// <summary>A loopback port nothing listens on.</summary>
    public int ClosedPort { get; } = FreePort.Next();

    public static string? MissingBinaries() =>
        !File.Exists(PrivateRabbitMq.ServerPath) ? $"the fault suite starts its own RabbitMQ and needs {PrivateRabbitMq.ServerPath} (Debian's rabbitmq-server)"
        : PrivatePostgres.FindBinaries() is null ? "the fault suite starts its own PostgreSQL and needs initdb under /usr/lib/postgresql/<version>/bin (Debian's postgresql)"
        : null;

    public async Task InitializeAsync()
    {
        await LeftoverServers.StopAsync(Path.GetTempPath());
        var rabbit = PrivateRabbitMq.StartAsync(Path.Combine(_root, "rabbitmq"));
        var postgres = PrivatePostgres.StartAsync(Path.Combine(_root, "postgres"));
        try
        {
            await Task.WhenAll(rabbit, postgres);
        }
        catch (Exception)
        {
            Rabbit = rabbit.IsCompletedSuccessfully ? rabbit.Result : null!;
            Postgres = postgres.IsCompletedSuccessfully ? postgres.Result : null!;
            await DisposeAsync();
            throw;
        }
        Rabbit = rabbit.Result;
        Postgres = postgres.Result;
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Rabbit is not null)
                await Rabbit.DisposeAsync();
        }
        finally
        {
            if (Postgres is not null)
                await Postgres.DisposeAsync();
            if (Directory.Exists(_root))
                Directory.Delete(_root, recursive: true);
        }
    }
}
