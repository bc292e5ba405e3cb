using Bus.Scheduler.Control;
using Bus.Scheduler.Crons;
using Bus.Scheduler.MessageScheduling;
using Bus.Scheduler.Persistence;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace Bus.Scheduler;

public static class Extensions
{
    /// <summary>
    /// Quartz clustered on PostgreSQL (schema <c>scheduler</c>, created by <c>migrate</c> and validated at start), the
    /// bus's message scheduler on queue <c>scheduler</c>, the crons and the schedule control consumers.
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SchedulerOptions>(SchedulerOptions.Section)
            .PostConfigure(options =>
            {
                if (options.RetryIntervals.Length == 0)
                    options.RetryIntervals = SchedulerOptions.DefaultRetryIntervals;
            })
            .Validate(options => options.RetryIntervals.All(i => i >= TimeSpan.Zero), "Scheduler:RetryIntervals must not be negative")
            .Validate(options => options.CheckinMisfireThreshold >= options.CheckinInterval,
                "Scheduler:CheckinMisfireThreshold must not be shorter than Scheduler:CheckinInterval");
        // Quartz takes its settings as it is registered: the same section, validated above before anything starts.
        var settings = builder.Configuration.GetSection(SchedulerOptions.Section).Get<SchedulerOptions>() ?? new SchedulerOptions();

        builder.Services.AddSingleton(services =>
            NpgsqlDataSource.Create(services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        builder.Services.AddSingleton<CancelledTokens>();

        builder.Services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = settings.InstanceName;
                scheduler.IdleWaitTime = settings.IdleWaitTime;
            });
            quartz.UseDefaultThreadPool(settings.ThreadCount);
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(dataSource => dataSource.DataSourceFactory = services => services.GetRequiredService<NpgsqlDataSource>());
                store.UseSystemTextJsonSerializer();
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = settings.CheckinInterval;
                    cluster.CheckinMisfireThreshold = settings.CheckinMisfireThreshold;
                });
                store.ConfigureStore(jobStore =>
                {
                    jobStore.TablePrefix = SchedulerSchema.TablePrefix;
                    jobStore.StoreJobDataAsStrings = true;
                    jobStore.MisfireThreshold = settings.MisfireThreshold;
                    // The schema is the migration's to create: refuse to start without it rather than create it here.
                    jobStore.SchemaProvisioning = SchemaProvisioning.Validate;
                });
            });
            quartz.AddJobType<ScheduledMessageJob>();
            // "ready" as in ServiceDefaults: started (not standby), its store answering, its cluster check-ins going.
            quartz.AddQuartzHealthChecks(health =>
            {
                health.Name = "quartz";
                health.Tags.Add("ready");
                health.StandbyStatus = HealthStatus.Unhealthy;
            });
        });

        // Started once the application has started (the bus first), so jobs fire only with the bus up.
        builder.Services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);

        builder.AddCronSchedules();
        builder.AddBus(bus =>
        {
            bus.AddConsumer<MessageSchedulerConsumer, MessageSchedulerConsumerDefinition>();
            bus.AddScheduleControlConsumers();
        });

        // Hosted services stop in reverse order: standby (no new firings), the bus, then Quartz waits for running jobs.
        builder.Services.AddHostedService<StandbyBeforeBusStops>();
        return builder;
    }
}
