using System.Collections.Concurrent;
using System.Text;
using Bus.Gateway.Persistence.Sagas;
using Bus.IntegrationTests.Infrastructure;
using MassTransit;
using MassTransit.Logging;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.SagaRepository;

/// <summary>One fresh database per test class, with the counter saga's table.</summary>
public sealed class SagaDatabaseFixture : IAsyncLifetime
{
    // Every in-flight message holds a connection for its transaction.
    public const int PoolSize = CounterStateMachineDefinition.ConcurrentMessages + 16;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ConnectionString = await TestEnvironment.CreateDatabaseAsync("saga_repo", PoolSize);
        await using var db = CreateDbContext();
        await db.Database.EnsureCreatedAsync();
        await db.AddDeferredLabelConstraintAsync();
    }

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(ConnectionString);

    public CounterDbContext CreateDbContext() =>
        new(new DbContextOptionsBuilder<CounterDbContext>().UseNpgsql(ConnectionString).Options);

    public async Task<CounterState?> FindAsync(Guid id)
    {
        await using var db = CreateDbContext();
        return await db.Counters.AsNoTracking().SingleOrDefaultAsync(x => x.CorrelationId == id);
    }
}

/// <summary>A "process": its own ServiceProvider with the MassTransit test harness (in-memory transport) and the saga.</summary>
public sealed class SagaTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private SagaTestHost(ServiceProvider provider)
    {
        _provider = provider;
        Harness = provider.GetRequiredService<ITestHarness>();
    }

    public ITestHarness Harness { get; }
    public IServiceProvider Services => _provider;
    public SagaProbe Probe => _provider.GetRequiredService<SagaProbe>();
    public DbActivity Db => _provider.GetRequiredService<DbActivity>();
    public ConsumeCounter Consumed { get; } = new();

    public static async Task<SagaTestHost> StartAsync(string connectionString, ITestOutputHelper output, bool usePostgres = true,
        bool pooledDbContext = false)
    {
        var services = BuildServices(connectionString, output, usePostgres, pooledDbContext);
        var host = new SagaTestHost(services.BuildServiceProvider(validateScopes: true));
        await host.Harness.Start();
        host.Harness.Bus.ConnectConsumeObserver(host.Consumed);
        return host;
    }

    public static ServiceCollection BuildServices(string connectionString, ITestOutputHelper output, bool usePostgres = true,
        bool pooledDbContext = false)
    {
        var services = new ServiceCollection();
        services.AddSingleton<SagaProbe>();
        services.AddSingleton<DbActivity>();
        if (pooledDbContext)
            services.AddDbContextPool<CounterDbContext>((sp, o) => o.UseNpgsql(connectionString).AddInterceptors(sp.GetRequiredService<DbActivity>()));
        else
            services.AddDbContext<CounterDbContext>((sp, o) => o.UseNpgsql(connectionString).AddInterceptors(sp.GetRequiredService<DbActivity>()));
        // EF logs every lost first-insert race as an error; the tests assert on outcomes instead.
        services.Configure<TextWriterLoggerOptions>(o => o.Disable("Microsoft.EntityFrameworkCore.Database.Command").Disable("Microsoft.EntityFrameworkCore.Update").LogLevel = LogLevel.Warning);
        services.Configure<TestHarnessOptions>(o =>
        {
            o.TestTimeout = TimeSpan.FromSeconds(30);
            o.TestInactivityTimeout = TimeSpan.FromSeconds(2);
        });
        services.AddMassTransitTestHarness(new TestOutputWriter(output), x =>
        {
            var saga = x.AddSagaStateMachine<CounterStateMachine, CounterState, CounterStateMachineDefinition>();
            if (usePostgres)
                saga.UsePostgresRepository<CounterState, CounterDbContext>();
        });
        return services;
    }

    public Task PublishAsync<T>(T message)
        where T : class =>
        Harness.Bus.Publish(message);

    /// <summary>Waits until <paramref name="expected"/> messages of <typeparamref name="T"/> have finished (committed or faulted).</summary>
    public async Task<bool> WaitForAsync<T>(int expected, TimeSpan? timeout = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Consumed.Finished<T>() < expected)
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(10);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await _provider.DisposeAsync();
    }
}

/// <summary>Counts saga consumptions as MassTransit reports them: after the repository committed, or after retries ran out.</summary>
public sealed class ConsumeCounter : IConsumeObserver
{
    private readonly ConcurrentDictionary<Type, int> _consumed = new();
    private readonly ConcurrentQueue<(Type MessageType, Exception Exception)> _faults = new();

    public IReadOnlyCollection<(Type MessageType, Exception Exception)> Faults => _faults;

    public int Succeeded<T>() => _consumed.GetValueOrDefault(typeof(T));

    public int Finished<T>() => Succeeded<T>() + _faults.Count(f => f.MessageType == typeof(T));

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        _consumed.AddOrUpdate(typeof(T), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class
    {
        _faults.Enqueue((typeof(T), exception));
        return Task.CompletedTask;
    }
}

/// <summary>MassTransit's harness log (warnings and up) into the test's output.</summary>
internal sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value != '\n')
            {
                _line.Append(value);
                return;
            }

            Emit(_line.ToString().TrimEnd('\r'));
            _line.Clear();
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_line)
        {
            _line.Append(value);
            Emit(_line.ToString());
            _line.Clear();
        }
    }

    private void Emit(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The bus may still log while stopping, after xunit closed this test's output.
        }
    }
}
