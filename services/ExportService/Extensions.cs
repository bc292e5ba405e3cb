using Bus.Contracts.Export;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.QueueControl;

namespace Bus.ExportService;

public static class Extensions
{
    /// <summary>Queue <c>export</c>: data exports, file processing and reports, all inside the storage root.</summary>
    public static IHostApplicationBuilder AddExportService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ExportOptions>(ExportOptions.Section)
            .Validate(o => o.Datasets.All(d => QueryGuard.Check(d.Value.Query) is null),
                "Export:Datasets:<name>:Query must each be one SELECT statement")
            .Validate(o => o.Datasets.All(d => d.Value.Parameters.Values.All(ExportDataConsumer.ParameterTypes.Contains)),
                $"Export:Datasets:<name>:Parameters types must be one of: {string.Join(", ", ExportDataConsumer.ParameterTypes)}")
            .Validate(o => o.GrantedTables.All(t => t.Split('.').Length <= 2 && t.Split('.').All(p => p.Length > 0)),
                "Export:GrantedTables entries must be table or schema.table");

        // Exports hold two connections and a file each: a few at a time; a brief retry, then the back-off through the Scheduler.
        builder.AddQueueOptions(QueueNames.Export, concurrencyLimit: 2,
            retryIntervals: [TimeSpan.FromMilliseconds(500)],
            redeliveryIntervals: [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)]);

        builder.Services.AddSingleton<StoragePaths>();
        builder.Services.AddSingleton<ReaderDatabase>();
        builder.Services.AddSingleton<OutputLedger>();
        builder.Services.AddSingleton<ExportRunner>();

        builder.AddBus(bus =>
        {
            bus.AddTaskConsumer<ExportDataConsumer, TaskConsumerDefinition<ExportDataConsumer, ExportData>>(QueueNames.Export);
            bus.AddTaskConsumer<ProcessFileConsumer, TaskConsumerDefinition<ProcessFileConsumer, ProcessFile>>(QueueNames.Export);
            bus.AddTaskConsumer<GenerateReportConsumer, TaskConsumerDefinition<GenerateReportConsumer, GenerateReport>>(QueueNames.Export);
        });
        return builder;
    }
}
