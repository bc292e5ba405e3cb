using Bus.Contracts.Tasks;
using Bus.Gateway.Admin;
using Bus.Gateway.Api;
using Bus.Gateway.Live;
using Bus.Gateway.Persistence;
using Bus.Gateway.Persistence.Sagas;
using Bus.Gateway.Queues;
using Bus.Gateway.Redis;
using Bus.Gateway.Tasks;
using Bus.Gateway.Tasks.Types;
using Bus.Gateway.Tasks.Types.Integration;
using Bus.Gateway.Tasks.Types.Media;
using Bus.Gateway.Tasks.Types.SyncsAndReminders;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Noop;
using Bus.ServiceDefaults.Options;
using Bus.ServiceDefaults.Secrets;
using MassTransit;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bus.Gateway;

public static class Extensions
{
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.AddValidatedOptions<ScheduleEndpointOptions>(ScheduleEndpointOptions.Section);
        builder.AddTaskTimeouts();
        builder.AddQueueOptions(QueueNames.TaskState, concurrencyLimit: 16,
            TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        builder.Services.AddDbContextPool<TaskDbContext>((services, db) => db.UseNpgsql(
            services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString,
            npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", TaskDbContext.Schema)));
        builder.Services.AddScoped<ITaskLookup, TaskLookup>();
        builder.Services.AddScoped<TaskSubmitter>();

        builder.Services.AddSingleton<ITaskType, EmailNotificationTaskType>();
        builder.Services.AddMediaTaskTypes();
        builder.Services.AddSingleton<ITaskType, DataExportTaskType>();
        builder.Services.AddSingleton<ITaskType, FileProcessingTaskType>();
        builder.Services.AddSingleton<ITaskType, ReportGenerationTaskType>();
        builder.Services.AddIntegrationTaskTypes();
        builder.Services.AddMaintenanceTaskTypes();
        builder.Services.AddSyncAndReminderTaskTypes();
        var noopEnabled = NoopTasks.IsEnabled(builder.Configuration);
        if (noopEnabled)
            builder.Services.AddSingleton<ITaskType, NoopTaskType>();
        IReadOnlyList<TaskRoute> routes = noopEnabled ? [.. TaskRoutes.All, TaskRoutes.Noop] : TaskRoutes.All;
        builder.Services.AddSingleton<TaskTypeCatalog>();
        builder.AddSensitiveValueProtection();
        builder.Services.AddSingleton<SensitiveTaskData>();

        builder.DeclareTaskQueues(routes);
        var processesMessages = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()?.ProcessMessages ?? true;
        builder.AddBus(bus =>
        {
            var saga = bus.AddSagaStateMachine<TaskStateMachine, TaskState, TaskStateMachineDefinition>()
                .UsePostgresRepository<TaskState, TaskDbContext>();
            if (!processesMessages)
                saga.ExcludeFromConfigureEndpoints();
            foreach (var commandType in routes.Select(r => r.CommandType).Distinct())
            {
                var faults = bus.AddConsumer(typeof(TaskFaultConsumer<>).MakeGenericType(commandType));
                faults.Endpoint(endpoint => endpoint.Name = QueueNames.TaskFaults);
                if (!processesMessages)
                    faults.ExcludeFromConfigureEndpoints();
            }
            var relay = bus.AddLiveEventRelay();
            if (!processesMessages)
                relay.ExcludeFromConfigureEndpoints();
            bus.AddRequestClient<SubmitTask>(new Uri($"queue:{QueueNames.TaskState}"));
            bus.AddRequestClient<CancelTask>(new Uri($"queue:{QueueNames.TaskState}"));
            bus.AddRequestClient<RetryTask>(new Uri($"queue:{QueueNames.TaskState}"));
            bus.AddScheduleRequestClients();
        });

        builder.AddRedis();
        builder.AddLiveEvents();
        builder.AddQueueStats();
        builder.AddAdmin();
        builder.Services.AddProblemDetails();
        builder.Services.Configure<JsonOptions>(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        return builder;
    }

    public static WebApplication UseGateway(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                _ when IsDependencyOutage(exception) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>PostgreSQL or the network failing under a request: the client may retry, so 503 rather than 500.</summary>
    private static bool IsDependencyOutage(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
                return true;
        }
        return false;
    }
}
