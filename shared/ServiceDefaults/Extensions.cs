using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Metrics;
using Bus.ServiceDefaults.Noop;
using Bus.ServiceDefaults.Options;
using MassTransit;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Bus.ServiceDefaults;

public static class Extensions
{
    private const string ReadyTag = "ready";

    /// <summary>Logging, telemetry, health and the settings every host needs, validated at start.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RabbitMqOptions>(RabbitMqOptions.Section);
        builder.AddValidatedOptions<PostgresOptions>(PostgresOptions.Section);

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(console =>
        {
            console.IncludeScopes = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        builder.Logging.Configure(logging =>
            logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        builder.AddTelemetry();

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"])
            .AddNpgSql(
                sp => sp.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString,
                name: "postgres",
                tags: [ReadyTag],
                timeout: TimeSpan.FromSeconds(5));

        return builder;
    }

    /// <summary>
    /// The bus: RabbitMQ from <see cref="RabbitMqOptions"/>, every registered endpoint under its explicit name, and the
    /// Scheduler service as the message scheduler (<c>ScheduleSend</c>, scheduled redelivery).
    /// MassTransit's own health check ("masstransit-bus", tagged ready) covers RabbitMQ.
    /// </summary>
    public static IHostApplicationBuilder AddBus(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> configure)
    {
        builder.AddValidatedOptions<TaskAttemptOptions>(TaskAttemptOptions.Section);
        builder.Services.TryAddSingleton<TaskMetrics>();
        builder.Services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            // IMessageScheduler in DI; the bus-level UseMessageScheduler below is what ConsumeContext.ScheduleSend and
            // UseScheduledRedelivery need (without it: PayloadNotFoundException MessageSchedulerContext).
            bus.AddMessageScheduler(MessageScheduling.Address);
            bus.AddTaskCancellation();
            configure(bus);
            NoopTasks.AddConsumerWhenConfigured(builder, bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                rabbit.UseMessageScheduler(MessageScheduling.Address);
                rabbit.SendTopology.ConfigureErrorSettings = TaskQueueTopology.KeepCompanionQueuesPlain;
                rabbit.SendTopology.ConfigureDeadLetterSettings = TaskQueueTopology.KeepCompanionQueuesPlain;
                rabbit.ConfigureEndpoints(context);
            });
        });
        builder.Services.Configure<MassTransitHostOptions>(host =>
        {
            host.WaitUntilStarted = true;
            host.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }

    /// <summary>Named options for one queue: the service's defaults, then <c>Queues:&lt;name&gt;</c> from configuration. No scheduled redelivery.</summary>
    public static IHostApplicationBuilder AddQueueOptions(this IHostApplicationBuilder builder, string queue, int concurrencyLimit, params TimeSpan[] retryIntervals) =>
        builder.AddQueueOptions(queue, concurrencyLimit, retryIntervals, redeliveryIntervals: []);

    /// <summary>
    /// Named options for one queue: the service's defaults (in-memory <paramref name="retryIntervals"/>, then
    /// <paramref name="redeliveryIntervals"/> through the Scheduler), then <c>Queues:&lt;name&gt;</c> from configuration.
    /// A configured list replaces the default list entirely.
    /// </summary>
    public static IHostApplicationBuilder AddQueueOptions(
        this IHostApplicationBuilder builder, string queue, int concurrencyLimit, TimeSpan[] retryIntervals, TimeSpan[] redeliveryIntervals)
    {
        builder.Services.AddOptions<QueueOptions>(queue)
            .Configure(options => options.ConcurrencyLimit = concurrencyLimit)
            .Bind(builder.Configuration.GetSection($"{QueueOptions.Section}:{queue}"))
            .PostConfigure(options =>
            {
                if (options.RetryIntervals.Length == 0)
                    options.RetryIntervals = retryIntervals;
                if (options.RedeliveryIntervals.Length == 0)
                    options.RedeliveryIntervals = redeliveryIntervals;
            })
            .ValidateDataAnnotations()
            .Validate(options => options.RetryIntervals.All(i => i >= TimeSpan.Zero), $"{QueueOptions.Section}:{queue}:RetryIntervals must not be negative")
            .Validate(options => options.RedeliveryIntervals.All(i => i >= TimeSpan.Zero), $"{QueueOptions.Section}:{queue}:RedeliveryIntervals must not be negative")
            .ValidateOnStart();
        return builder;
    }

    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IHostApplicationBuilder builder, string section)
        where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

    /// <summary>
    /// <c>/health/live</c>: the process answers. <c>/health/ready</c>: RabbitMQ and PostgreSQL answer too.
    /// <c>/metrics</c>: every meter of <see cref="AddTelemetry"/> in Prometheus' text format.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Anonymous even where the host requires a token everywhere else: probes and Prometheus carry none. /metrics
        // holds counts and durations, no task data; the NetworkPolicies let only the monitoring namespace reach it.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        return app;
    }

    /// <summary>Where Prometheus scrapes every service (the ServiceMonitors of deploy/k8s say the same).</summary>
    public const string MetricsPath = "/metrics";

    private static void AddTelemetry(this IHostApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddSource(DiagnosticHeaders.DefaultListenerName)
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = http =>
                    !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments(MetricsPath))
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(InstrumentationOptions.MeterName)
                .AddMeter(BusMeters.All)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // Exporting is opt-in: set OTEL_EXPORTER_OTLP_ENDPOINT to send traces and metrics to a collector.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
    }
}
