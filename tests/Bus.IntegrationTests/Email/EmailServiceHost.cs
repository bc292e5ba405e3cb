extern alias email;

using System.Collections.Concurrent;
using System.Globalization;
using Bus.Contracts.Email;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using email::Bus.EmailService;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bus.IntegrationTests.Email;

/// <summary>
/// The EmailService wired exactly as its Program does (AddServiceDefaults + AddEmailService), with the bus swapped for
/// MassTransit's in-memory test harness: the real consumer and definition, a real SMTP server and PostgreSQL.
/// </summary>
public sealed class EmailServiceHost : IAsyncDisposable
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>One short redelivery through the harness's scheduler stands in for the production 1s…300s back-off.</summary>
    public static readonly TimeSpan[] Redeliveries = [TimeSpan.FromMilliseconds(50)];

    /// <summary>Attempts a message that always fails transiently gets: every in-memory retry, in every delivery.</summary>
    public static int AttemptsBeforeFault(TimeSpan[] retryIntervals) => (retryIntervals.Length + 1) * (Redeliveries.Length + 1);

    private readonly IHost _host;
    private readonly ConcurrentQueue<ClaimTaskAttempt> _claims = new();

    private EmailServiceHost(IHost host, ITestHarness harness)
    {
        _host = host;
        Harness = harness;
    }

    /// <summary>Every attempt's claim (its start report), granted by the stand-in for the task saga.</summary>
    public IReadOnlyList<ClaimTaskAttempt> Claims(Guid taskId) => [.. _claims.Where(c => c.TaskId == taskId)];

    public ITestHarness Harness { get; }

    public IServiceProvider Services => _host.Services;

    public static IHost Build(string connectionString, int smtpPort, params TimeSpan[] retryIntervals)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Username"] = "bus",
            ["RabbitMq:Password"] = "bus",
            ["Postgres:ConnectionString"] = connectionString,
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Smtp:From"] = "bus@bus.test",
            ["Smtp:FromName"] = "Bus",
            ["Smtp:TimeoutSeconds"] = "5",
            ["Encryption:Key"] = TestSecrets.EncryptionKey,
        };
        for (var i = 0; i < retryIntervals.Length; i++)
            settings[$"Queues:{QueueNames.Email}:RetryIntervals:{i}"] = retryIntervals[i].ToString("c", CultureInfo.InvariantCulture);
        for (var i = 0; i < Redeliveries.Length; i++)
            settings[$"Queues:{QueueNames.Email}:RedeliveryIntervals:{i}"] = Redeliveries[i].ToString("c", CultureInfo.InvariantCulture);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        builder.AddEmailService();
        builder.Services.AddMassTransitTestHarness();
        return builder.Build();
    }

    /// <param name="retryIntervals">Short stand-ins for the production in-memory retries.</param>
    public static async Task<EmailServiceHost> StartAsync(string connectionString, int smtpPort, params TimeSpan[] retryIntervals)
    {
        var host = Build(connectionString, smtpPort, retryIntervals);
        var harness = host.Services.GetTestHarness();
        harness.TestTimeout = WaitTimeout;
        await harness.Start();
        var service = new EmailServiceHost(host, harness);
        // Stands in for the Gateway's task saga: every attempt may run, with no timeout.
        var saga = harness.Bus.ConnectReceiveEndpoint(QueueNames.TaskState, endpoint => endpoint.Handler<ClaimTaskAttempt>(context =>
        {
            service._claims.Enqueue(context.Message);
            return context.RespondAsync(new TaskAttemptClaimed(context.Message.TaskId, Timeout: null));
        }));
        await saga.Ready;
        return service;
    }

    public async Task SendAsync(SendEmail command)
    {
        var endpoint = await Harness.Bus.GetSendEndpoint(new Uri($"queue:{QueueNames.Email}"));
        await endpoint.Send(command);
    }

    /// <summary>What was published so far (the harness's Select waits for more unless its token is already cancelled).</summary>
    public IReadOnlyList<T> Published<T>(Func<T, bool> match)
        where T : class =>
        [.. Harness.Published.Select<T>(new CancellationToken(canceled: true)).Select(m => m.Context.Message).Where(match)];

    /// <summary>Waits until at least <paramref name="count"/> matching messages were published; fails the test after <see cref="WaitTimeout"/>.</summary>
    public async Task<IReadOnlyList<T>> WaitForPublished<T>(Func<T, bool> match, int count = 1)
        where T : class
    {
        var deadline = DateTime.UtcNow + WaitTimeout;
        while (true)
        {
            var found = Published(match);
            if (found.Count >= count)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Expected {count} {typeof(T).Name} within {WaitTimeout.TotalSeconds}s, saw {found.Count}");
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        if (_host is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
        else
            _host.Dispose();
    }
}
