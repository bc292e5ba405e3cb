using Bus.Contracts.Media;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using Bus.ServiceDefaults.QueueControl;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;

namespace Bus.MediaService;

public static class Extensions
{
    /// <summary>Queue <c>media</c>: the ProcessImage consumer, its storage root, image limits and output ledger.</summary>
    public static IHostApplicationBuilder AddMediaService(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<MediaOptions>(MediaOptions.Section)
            .Validate(o => string.IsNullOrEmpty(o.StorageRoot) || CanCreateDirectory(o.StorageRoot), "Media:StorageRoot must be a directory the service can create");

        // Image work is CPU-bound: one image per core by default. Transient faults are file-system or database blips.
        builder.AddQueueOptions(QueueNames.Media, concurrencyLimit: Environment.ProcessorCount,
            retryIntervals: [TimeSpan.FromMilliseconds(200)],
            redeliveryIntervals: [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)]);

        builder.Services.AddDbContext<MediaDbContext>((services, db) => db.UseNpgsql(
            services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString,
            npgsql => npgsql.MigrationsHistoryTable(HistoryRepository.DefaultTableName, MediaDbContext.Schema)));

        builder.Services.AddSingleton<StorageRoot>();
        builder.Services.AddSingleton<ImageInspector>();
        builder.Services.AddSingleton<ImageProcessor>();

        builder.AddBus(bus => bus.AddTaskConsumer<ProcessImageConsumer, TaskConsumerDefinition<ProcessImageConsumer, ProcessImage>>(QueueNames.Media));
        return builder;
    }

    private static bool CanCreateDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
