using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Queues;

public static class QueueStatsExtensions
{
    /// <summary>
    /// Queue, system and health statistics: the management API client and the task store queries behind <c>/stats</c> and
    /// <c>/health</c>, and the task queues' gauges on <c>/metrics</c>.
    /// </summary>
    public static IHostApplicationBuilder AddQueueStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient<RabbitMqManagementClient>((services, http) =>
            RabbitMqManagementClient.Configure(http, services.GetRequiredService<IOptions<RabbitMqOptions>>().Value));
        builder.Services.AddScoped<QueueStatsService>();
        builder.Services.AddScoped<SystemStatsQuery>();
        builder.Services.AddSingleton<QueueMetrics>();
        builder.Services.AddHostedService<QueueMetricsPoller>();
        return builder;
    }
}
