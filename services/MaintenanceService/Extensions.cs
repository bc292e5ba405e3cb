using Bus.Contracts.Maintenance;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.QueueControl;
using Microsoft.Extensions.Options;

namespace Bus.MaintenanceService;

public static class Extensions
{
    /// <summary>Queue <c>maintenance</c>: task retention and expired files, declared tables, the daily report.</summary>
    public static IHostApplicationBuilder AddMaintenanceService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<MaintenanceOptions>(MaintenanceOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<MaintenanceOptions>, MaintenanceOptionsValidator>();

        // One at a time: the work is deletes against shared tables, and two cleanups at once would only contend for the same rows.
        builder.AddQueueOptions(QueueNames.Maintenance, concurrencyLimit: 1,
            retryIntervals: [TimeSpan.FromSeconds(1)],
            redeliveryIntervals: [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)]);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<MaintenanceDatabase>();
        builder.Services.AddSingleton<TaskRetention>();
        builder.Services.AddSingleton<ExpiredFiles>();
        builder.Services.AddSingleton<DeclaredTables>();
        builder.Services.AddSingleton<DailyReportQuery>();

        builder.AddBus(bus =>
        {
            bus.AddTaskConsumer<CleanUpExpiredDataConsumer, TaskConsumerDefinition<CleanUpExpiredDataConsumer, CleanUpExpiredData>>(QueueNames.Maintenance);
            bus.AddTaskConsumer<CleanDeclaredTableConsumer, TaskConsumerDefinition<CleanDeclaredTableConsumer, CleanDeclaredTable>>(QueueNames.Maintenance);
            bus.AddTaskConsumer<SendDailyReportConsumer, TaskConsumerDefinition<SendDailyReportConsumer, SendDailyReport>>(QueueNames.Maintenance);
            bus.AddRequestClient<SubmitTask>(new Uri($"queue:{QueueNames.TaskState}"));
        });
        return builder;
    }
}
