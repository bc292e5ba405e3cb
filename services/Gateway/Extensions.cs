using Bus.Contracts.Tasks;
using Bus.Gateway.Admin;
using Bus.Gateway.Api;
using Bus.Gateway.Persistence;
using Bus.Gateway.Persistence.Sagas;
using Bus.Gateway.Queues;
using Bus.Gateway.Redis;
using Bus.Gateway.Tasks;
using Bus.Gateway.Tasks.Types;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
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
        builder.AddQueueOptions(QueueNames.TaskState, concurrencyLimit: 16,
            TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

        builder.Services.AddDbContextPool<TaskDbContext>((services, db) => db.UseNpgsql(
            services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString,
            npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", TaskDbContext.Schema)));
        builder.Services.AddScoped<ITaskLookup, TaskLookup>();
        builder.Services.AddScoped<TaskSubmitter>();

        builder.Services.AddSingleton<ITaskType, EmailNotificationTaskType>();
        builder.Services.AddSingleton<TaskTypeCatalog>();

        builder.AddBus(bus =>
        {
            bus.AddSagaStateMachine<TaskStateMachine, TaskState, TaskStateMachineDefinition>()
                .UsePostgresRepository<TaskState, TaskDbContext>();
            foreach (var route in TaskRoutes.All)
            {
                bus.AddConsumer(typeof(TaskFaultConsumer<>).MakeGenericType(route.CommandType))
                    .Endpoint(endpoint => endpoint.Name = QueueNames.TaskFaults);
            }
            bus.AddRequestClient<SubmitTask>(new Uri($"queue:{QueueNames.TaskState}"));
            bus.AddRequestClient<CancelTask>(new Uri($"queue:{QueueNames.TaskState}"));
            bus.AddRequestClient<RetryTask>(new Uri($"queue:{QueueNames.TaskState}"));
            bus.AddScheduleRequestClients();
        });

        builder.AddRedis();
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
