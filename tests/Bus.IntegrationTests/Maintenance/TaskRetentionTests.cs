using System.Text.Json;
using Npgsql;

namespace Bus.IntegrationTests.Maintenance;

[Collection(MaintenanceSystemCollection.Name)]
public sealed class TaskRetentionTests(MaintenanceSystem system)
{
    private static readonly TimeSpan Minutes30 = TimeSpan.FromMinutes(30);
    private static TimeSpan Hours(double hours) => TimeSpan.FromHours(hours);

    [Fact]
    public async Task Cleanup_deletes_exactly_the_finished_tasks_past_retention_while_other_tasks_are_being_written()
    {
        HashSet<Guid> doomed =
        [
            .. await system.SeedTasksAsync("Completed", "email_notification", 400, Hours(2.5), Hours(2)),
            .. await system.SeedTasksAsync("Failed", "data_export", 150, Hours(26), Hours(25)),
            .. await system.SeedTasksAsync("Cancelled", "media_thumbnail", 60, Hours(26), Hours(25)),
            // report_generation keeps completed tasks 3 h (Maintenance:Retention:Types), not the default hour.
            .. await system.SeedTasksAsync("Completed", "report_generation", 40, Hours(5), Hours(4)),
        ];
        var running = await system.SeedTasksAsync("Running", "email_notification", 20, Hours(72), null);
        var recentlyCompleted = await system.SeedTasksAsync("Completed", "email_notification", 60, Hours(72), Minutes30);
        HashSet<Guid> kept =
        [
            .. running,
            .. recentlyCompleted,
            .. await system.SeedTasksAsync("Failed", "data_export", 30, Hours(3), Hours(2)),
            .. await system.SeedTasksAsync("Cancelled", "media_thumbnail", 10, Hours(3), Hours(2)),
            .. await system.SeedTasksAsync("Completed", "report_generation", 20, Hours(3), Hours(2)),
            .. await system.SeedTasksAsync("Queued", "email_notification", 20, Hours(72), null),
            .. await system.SeedTasksAsync("Scheduled", "email_notification", 10, Hours(72), null),
        ];
        var historyBefore = await HistoryByStatusAsync();

        using var writing = new CancellationTokenSource();
        var writer = WriteConcurrentlyAsync(running, recentlyCompleted, writing.Token);
        var cleanup = await system.SubmitAsync("cleanup", new { });
        var result = (await system.WaitForAsync(cleanup, "Completed")).GetProperty("result");
        writing.Cancel();
        var (written, updates) = await writer;

        Assert.True(written.Count > 0 && updates > 0, "the writer wrote nothing while the cleanup ran");
        HashSet<Guid> everything = [.. doomed, .. kept, .. written];
        var remaining = await system.IdsAsync("SELECT id FROM bus.tasks WHERE id = ANY(@ids)", ("ids", everything.ToArray()));
        Assert.Empty(remaining.Intersect(doomed));
        Assert.Empty(kept.Concat(written).Except(remaining));
        var archived = await system.IdsAsync("SELECT id FROM maintenance.task_history WHERE id = ANY(@ids)", ("ids", everything.ToArray()));
        Assert.True(archived.SetEquals(doomed), "task_history holds exactly the deleted records");

        var historyAfter = await HistoryByStatusAsync();
        var tasks = result.GetProperty("tasks");
        foreach (var status in new[] { "Completed", "Failed", "Cancelled" })
            Assert.Equal(historyAfter.GetValueOrDefault(status) - historyBefore.GetValueOrDefault(status), tasks.GetProperty(status.ToLowerInvariant()).GetInt64());
        Assert.True(tasks.GetProperty("byType").GetProperty("report_generation").GetInt64() >= 40, result.ToString());
    }

    [Fact]
    public async Task A_record_another_transaction_holds_is_skipped_not_waited_on_and_goes_with_the_next_cleanup()
    {
        var ids = await system.SeedTasksAsync("Completed", "email_notification", 3, Hours(3), Hours(2));
        var held = ids.First();
        await using (var connection = new NpgsqlConnection(system.Database))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM bus.tasks WHERE id = @id FOR UPDATE", connection, transaction))
            {
                lockRow.Parameters.AddWithValue("id", held);
                await lockRow.ExecuteNonQueryAsync();
            }

            await system.RunAsync("cleanup");

            Assert.Equal([held], await system.IdsAsync("SELECT id FROM bus.tasks WHERE id = ANY(@ids)", ("ids", ids.ToArray())));
            await transaction.RollbackAsync();
        }

        await system.RunAsync("data_cleanup");

        Assert.Empty(await system.IdsAsync("SELECT id FROM bus.tasks WHERE id = ANY(@ids)", ("ids", ids.ToArray())));
    }

    [Fact]
    public async Task Cleanup_deletes_the_files_older_than_their_roots_max_age_and_counts_them()
    {
        var directory = Path.Combine(system.StorageRoot, $"run-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var old = Enumerable.Range(0, 3).Select(i => Write(Path.Combine(directory, $"old-{i}.jpg"), bytes: 100 + i, DateTime.UtcNow.AddDays(-3))).ToList();
        var fresh = Write(Path.Combine(directory, "fresh.jpg"), bytes: 7, DateTime.UtcNow.AddHours(-23));

        var result = await system.RunAsync("cleanup");

        var media = Assert.Single(result.GetProperty("files").EnumerateArray());
        Assert.Equal("media", media.GetProperty("root").GetString());
        Assert.Equal(3, media.GetProperty("filesDeleted").GetInt64());
        Assert.Equal(303, media.GetProperty("bytesDeleted").GetInt64());
        Assert.Equal(3, result.GetProperty("filesDeleted").GetInt64());
        Assert.All(old, path => Assert.False(File.Exists(path)));
        Assert.True(File.Exists(fresh));
    }

    private static string Write(string path, int bytes, DateTime lastWrite)
    {
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }

    private async Task<Dictionary<string, long>> HistoryByStatusAsync()
    {
        var counts = new Dictionary<string, long>();
        foreach (var status in new[] { "Completed", "Failed", "Cancelled" })
            counts[status] = await system.ScalarAsync<long>("SELECT count(*) FROM maintenance.task_history WHERE status = @status", ("status", status));
        return counts;
    }

    /// <summary>
    /// What the saga does meanwhile: new tasks arrive (queued, and some already finished), running tasks report progress
    /// and recent ones are touched. None of it is old enough to go; all of it must survive.
    /// </summary>
    private async Task<(HashSet<Guid> Written, int Updates)> WriteConcurrentlyAsync(HashSet<Guid> running, HashSet<Guid> recent, CancellationToken stop)
    {
        var written = new HashSet<Guid>();
        var updates = 0;
        await using var connection = new NpgsqlConnection(system.Database);
        await connection.OpenAsync(CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO bus.tasks (id, status, type, queue, priority, attempts, progress, created_at, started_at, finished_at, updated_at)
                SELECT gen_random_uuid(), s, 'email_notification', 'email', 0, 1, 0, now(), now(), CASE WHEN s = 'Queued' THEN NULL ELSE now() END, now()
                FROM unnest(ARRAY['Queued', 'Completed', 'Failed', 'Cancelled']) AS s
                RETURNING id
                """, connection))
            await using (var reader = await insert.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                    written.Add(reader.GetGuid(0));
            }
            await using (var update = new NpgsqlCommand("""
                UPDATE bus.tasks SET progress = (progress + 1) % 100, updated_at = now() WHERE id = ANY(@running);
                UPDATE bus.tasks SET progress_message = 'touched', updated_at = now() WHERE id = ANY(@recent);
                """, connection))
            {
                update.Parameters.AddWithValue("running", running.ToArray());
                update.Parameters.AddWithValue("recent", recent.ToArray());
                updates += await update.ExecuteNonQueryAsync(CancellationToken.None);
            }
            await Task.Delay(5, CancellationToken.None);
        }
        return (written, updates);
    }
}
