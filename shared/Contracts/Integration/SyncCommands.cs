using Bus.Contracts.Tasks;

namespace Bus.Contracts.Integration;

/// <summary>
/// Pulls the readings SERPRAM published since the last run's watermark and upserts them (task type <c>serpram_sync</c>,
/// queue <c>integration</c>). The endpoint, credentials and page size come from IntegrationService's configuration
/// (<c>Integration:Syncs:serpram</c>), never from the task.
/// </summary>
public record SyncSerpramReadings(Guid TaskId) : ITaskCommand;

/// <summary>The same for AYT (task type <c>ayt_sync</c>, configuration <c>Integration:Syncs:ayt</c>).</summary>
public record SyncAytReadings(Guid TaskId) : ITaskCommand;
