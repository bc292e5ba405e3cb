using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Bus.Scheduler.Crons;

public static class CronScheduleExtensions
{
    /// <summary>
    /// Crons declared in configuration (<c>Crons</c>), validated at start, kept in Quartz's clustered store by
    /// <see cref="CronScheduleSync"/> and fired by <see cref="CronJob"/>. Needs Quartz (AddQuartz) and the bus.
    /// </summary>
    public static IHostApplicationBuilder AddCronSchedules(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<CronOptions>()
            .Configure<IConfiguration>((options, configuration) => CronConfiguration.Read(configuration, options))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CronOptions>, CronOptionsValidator>();
        builder.Services.AddSingleton<CronCatalog>();
        builder.Services.AddHostedService<CronScheduleSync>();
        return builder;
    }
}
