using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Api;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bus.IntegrationTests.Scheduler.Crons;

/// <summary>
/// Scheduler processes (migrated first) with test crons in their configuration, on a virtual host and database of their
/// own, and in this process the Gateway's schedule endpoints on the same bus plus a consumer on <c>task-state</c> that
/// records every SubmitTask the crons send (no Gateway saga runs, so nothing is de-duplicated before it is counted).
/// </summary>
public sealed class CronTestSystem : IAsyncLifetime
{
    /// <summary>Fires every second (Quartz form); used to count firings across replicas.</summary>
    public const string Tick = "tick";

    /// <summary>Fires every second; paused and resumed by the tests.</summary>
    public const string Pausable = "pausable";

    /// <summary>Never fires on its own (2099); only run-now fires it.</summary>
    public const string Manual = "manual";

    /// <summary>Configured with Enabled false.</summary>
    public const string Off = "off";

    private readonly List<(ServiceProcess Process, int Port)> _schedulers = [];
    private WebApplication _gateway = null!;

    public SchedulerTestSystem System { get; private set; } = null!;

    /// <summary>The schedule endpoints as an admin.</summary>
    public HttpClient Gateway { get; } = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.WithRole();

    public Submissions Submissions => _gateway.Services.GetRequiredService<Submissions>();

    public string Logs => string.Join(", ", _schedulers.Select(s => s.Process.LogPath));

    public int Count => _schedulers.Count;

    public async Task InitializeAsync()
    {
        System = await SchedulerTestSystem.CreateAsync(migrate: true);
        _gateway = await StartGatewayAsync();
        Gateway.BaseAddress = new Uri(_gateway.Urls.First());
        await StartSchedulersAsync(2);
    }

    public async Task DisposeAsync()
    {
        await StopSchedulersAsync();
        Gateway.Dispose();
        await _gateway.DisposeAsync();
        await System.DisposeAsync();
    }

    public static Dictionary<string, string> CronSettings() => new()
    {
        [$"Crons__{Tick}__Cron"] = "* * * * * ?",
        [$"Crons__{Tick}__TimeZone"] = "UTC",
        [$"Crons__{Tick}__TaskType"] = "cron_test",
        [$"Crons__{Tick}__Data__probe"] = "tick",
        [$"Crons__{Tick}__Enabled"] = "true",
        [$"Crons__{Pausable}__Cron"] = "* * * * * ?",
        [$"Crons__{Pausable}__TimeZone"] = "America/Argentina/Cordoba",
        [$"Crons__{Pausable}__TaskType"] = "cron_test",
        [$"Crons__{Pausable}__Enabled"] = "true",
        [$"Crons__{Manual}__Cron"] = "0 0 9 1 1 ? 2099",
        [$"Crons__{Manual}__TimeZone"] = "America/Argentina/Cordoba",
        [$"Crons__{Manual}__TaskType"] = "cron_test",
        [$"Crons__{Manual}__Priority"] = "7",
        [$"Crons__{Manual}__Enabled"] = "true",
        [$"Crons__{Off}__Cron"] = "* * * * *",
        [$"Crons__{Off}__TaskType"] = "cron_test",
        [$"Crons__{Off}__Enabled"] = "false",
    };

    /// <summary>Starts <paramref name="count"/> Scheduler processes at once and waits until every one is ready.</summary>
    public async Task StartSchedulersAsync(int count)
    {
        var started = Enumerable.Range(0, count).Select(_ => StartOne()).ToList();
        _schedulers.AddRange(started);
        await Task.WhenAll(started.Select(s => s.Process.WaitUntilReadyAsync(s.Port, TimeSpan.FromSeconds(60))));
    }

    /// <summary>SIGKILL every Scheduler (nothing handed over gracefully), then start as many again.</summary>
    public async Task RestartSchedulersAsync()
    {
        var count = _schedulers.Count;
        await StopSchedulersAsync();
        await StartSchedulersAsync(count);
    }

    public async Task StopSchedulersAsync()
    {
        foreach (var (process, _) in _schedulers)
            await process.DisposeAsync();
        _schedulers.Clear();
    }

    /// <summary>Runs a Scheduler with other crons until it exits: whether it failed (exit code not 0), and its log.</summary>
    public async Task<(bool Failed, string Log)> RunSchedulerUntilExitAsync(Dictionary<string, string> crons, TimeSpan timeout)
    {
        var process = ServiceProcess.Start("services/Scheduler", "Bus.Scheduler", Environment(crons), "--urls", $"http://127.0.0.1:{FreePort.Next()}");
        bool failed;
        try
        {
            await process.ReadOutputAsync(timeout);
            failed = false;
        }
        catch (InvalidOperationException)
        {
            failed = true;
        }
        catch (OperationCanceledException)
        {
            failed = false; // still running after the timeout
        }
        await process.DisposeAsync();
        return (failed, await File.ReadAllTextAsync(process.LogPath));
    }

    private (ServiceProcess Process, int Port) StartOne()
    {
        var port = FreePort.Next();
        return (ServiceProcess.Start("services/Scheduler", "Bus.Scheduler", Environment(CronSettings()), "--urls", $"http://127.0.0.1:{port}"), port);
    }

    private Dictionary<string, string> Environment(Dictionary<string, string> crons)
    {
        var settings = System.Settings();
        settings["ASPNETCORE_ENVIRONMENT"] = "Testing";
        foreach (var (key, value) in crons)
            settings[key] = value;
        return settings;
    }

    /// <summary>The Gateway's schedule module as the lead wires it (AddScheduleRequestClients, MapScheduleEndpoints), plus the recorder.</summary>
    private async Task<WebApplication> StartGatewayAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(System.Configuration());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Schedules:RequestTimeout"] = "00:00:10" });
        builder.Configuration.AddInMemoryCollection(TestTokens.Settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.Logging.ClearProviders();
        builder.AddValidatedOptions<ScheduleEndpointOptions>(ScheduleEndpointOptions.Section);
        builder.AddGatewayAuthentication();
        builder.Services.AddProblemDetails();
        builder.Services.Configure<JsonOptions>(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        builder.Services.AddSingleton<Submissions>();
        builder.AddBus(bus =>
        {
            bus.AddScheduleRequestClients();
            bus.AddConsumer<SubmissionRecorder>().Endpoint(endpoint =>
            {
                endpoint.Name = QueueNames.TaskState;
                endpoint.ConcurrentMessageLimit = 16;
            });
        });
        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapScheduleEndpoints();
        await app.StartAsync();
        return app;
    }
}

/// <summary>One SubmitTask as the recorder received it.</summary>
public sealed record Submission(SubmitTask Task, string Cron, DateTimeOffset FireTime, DateTime? SentAt, DateTime ReceivedAt, int? SenderProcessId);

/// <summary>Every SubmitTask the crons sent, in arrival order.</summary>
public sealed class Submissions
{
    private readonly ConcurrentQueue<Submission> _all = new();

    public void Add(ConsumeContext<SubmitTask> context)
    {
        // cron:{name}:{fire time, round-trip format}
        var key = context.Message.IdempotencyKey ?? "";
        var separator = key.IndexOf(':', "cron:".Length);
        _all.Enqueue(new Submission(
            context.Message,
            key["cron:".Length..separator],
            DateTimeOffset.Parse(key[(separator + 1)..], CultureInfo.InvariantCulture),
            context.SentTime,
            DateTime.UtcNow,
            context.Host?.ProcessId));
    }

    public IReadOnlyList<Submission> Of(string cron) => [.. _all.Where(s => s.Cron == cron)];

    /// <summary>Waits until <paramref name="count"/> submissions of <paramref name="cron"/> match, failing the test after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<Submission>> WaitForAsync(string cron, Func<Submission, bool> match, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Of(cron).Where(match).ToList();
            if (found.Count >= count)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"expected {count} submission(s) of cron {cron} within {timeout.TotalSeconds} s, saw {found.Count}");
            await Task.Delay(50);
        }
    }
}

public sealed class SubmissionRecorder(Submissions submissions) : IConsumer<SubmitTask>
{
    public Task Consume(ConsumeContext<SubmitTask> context)
    {
        submissions.Add(context);
        return Task.CompletedTask;
    }
}
