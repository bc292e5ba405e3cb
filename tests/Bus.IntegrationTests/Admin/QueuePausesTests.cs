using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults.QueueControl;

namespace Bus.IntegrationTests.Admin;

/// <summary>The pause table on a real PostgreSQL: the DDL every service's <c>migrate</c> runs, and the reads and writes.</summary>
public sealed class QueuePausesTests : IAsyncLifetime
{
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestEnvironment.CreateDatabaseAsync("bus_pauses");

    public Task DisposeAsync() => TestEnvironment.DropDatabaseAsync(_database);

    [Fact]
    public async Task Before_any_migrate_nothing_reads_as_paused()
    {
        Assert.Empty(await QueuePauses.GetPausedAsync(_database, CancellationToken.None));
    }

    [Fact]
    public async Task Several_services_migrating_at_once_create_the_table_once_without_errors()
    {
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => QueuePauses.EnsureSchemaAsync(_database, CancellationToken.None)));
        await QueuePauses.EnsureSchemaAsync(_database, CancellationToken.None);

        Assert.Empty(await QueuePauses.GetPausedAsync(_database, CancellationToken.None));
    }

    [Fact]
    public async Task A_pause_is_recorded_once_with_its_first_time_and_resume_removes_it()
    {
        await QueuePauses.EnsureSchemaAsync(_database, CancellationToken.None);

        var first = await QueuePauses.PauseAsync(_database, "email", CancellationToken.None);
        await Task.Delay(20);
        var second = await QueuePauses.PauseAsync(_database, "email", CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(first, Assert.Single(await QueuePauses.GetPausedAsync(_database, CancellationToken.None), p => p.Key == "email").Value);
        await QueuePauses.ResumeAsync(_database, "email", CancellationToken.None);
        await QueuePauses.ResumeAsync(_database, "email", CancellationToken.None);
        Assert.Empty(await QueuePauses.GetPausedAsync(_database, CancellationToken.None));
    }
}
