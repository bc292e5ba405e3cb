using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService.Syncs;

/// <summary>What a sync run did: pages and rows read, rows inserted, changed and left as they were, and the watermark before and after.</summary>
public sealed record SyncResult(
    string Source, int Pages, int Fetched, int Inserted, int Updated, int Unchanged, DateTimeOffset? PreviousWatermark, DateTimeOffset? Watermark);

/// <summary>
/// One sync run: read every page since the watermark, then upsert them all and advance the watermark in one transaction.
/// Nothing is written until every page has been read and parsed, so a run that fails midway (a 500 on page 2, a
/// malformed row) leaves the readings and the watermark as they were. <c>since</c> is inclusive: readings at the
/// watermark itself are read again and left unchanged, so none is lost to a tie at a page boundary.
/// </summary>
public sealed class PartnerSync(PartnerReadingsClient partner, ReadingStore store, IOptionsMonitor<PartnerSyncOptions> options, ILogger<PartnerSync> logger)
{
    public async Task RunAsync(ConsumeContext context, Guid taskId, string source)
    {
        if (!options.CurrentValue.Syncs.TryGetValue(source, out var endpoint) || string.IsNullOrWhiteSpace(endpoint.Url))
            throw new PermanentTaskException($"sync '{source}' is not configured (Integration:Syncs:{source}:Url)");
        var cancellationToken = context.CancellationToken;

        var previous = await store.WatermarkAsync(source, cancellationToken);
        var since = previous ?? endpoint.InitialSince;
        var latest = new Dictionary<string, PartnerReading>(StringComparer.Ordinal);
        var (pages, fetched) = (0, 0);
        while (pages < endpoint.MaxPages)
        {
            var page = await partner.GetPageAsync(source, endpoint, since, pages + 1, cancellationToken);
            pages++;
            fetched += page.Count;
            // A reading can move between pages while the partner inserts; the last copy read wins.
            foreach (var reading in page)
                latest[reading.Id] = reading;
            await context.ReportProgress(taskId, 0, $"page {pages}: {fetched} readings");
            if (page.Count < endpoint.PageSize)
                break;
        }

        var readings = latest.Values.ToList();
        var (inserted, updated) = await store.UpsertAsync(source, taskId, readings, cancellationToken);
        var watermark = readings.Count == 0 ? previous : new[] { previous, readings.Max(r => r.MeasuredAt) }.Max();
        logger.LogInformation("Sync {Source}: {Pages} pages, {Fetched} readings, {Inserted} new, {Updated} changed; watermark {Watermark}",
            source, pages, fetched, inserted, updated, watermark);
        await context.ReportCompleted(taskId, new SyncResult(source, pages, fetched, inserted, updated, readings.Count - inserted - updated, previous, watermark));
    }
}

public sealed class SerpramSyncConsumer(PartnerSync sync) : IConsumer<Bus.Contracts.Integration.SyncSerpramReadings>
{
    public const string Source = "serpram";

    public Task Consume(ConsumeContext<Bus.Contracts.Integration.SyncSerpramReadings> context) => sync.RunAsync(context, context.Message.TaskId, Source);
}

public sealed class AytSyncConsumer(PartnerSync sync) : IConsumer<Bus.Contracts.Integration.SyncAytReadings>
{
    public const string Source = "ayt";

    public Task Consume(ConsumeContext<Bus.Contracts.Integration.SyncAytReadings> context) => sync.RunAsync(context, context.Message.TaskId, Source);
}
