using System.Net.Http.Json;
using System.Text.Json;

namespace Bus.IntegrationTests.Export;

/// <summary>Hostile tasks: each fails permanently with its reason, nothing is written or changed, and the service stays healthy.</summary>
[Collection(ExportSystemCollection.Name)]
public sealed class HostileExportInputTests(ExportSystem system)
{
    [Theory]
    [InlineData("DELETE FROM users", "must be a SELECT")]
    [InlineData("UPDATE users SET active = false", "must be a SELECT")]
    [InlineData("SELECT 1; DROP TABLE users", "single statement")]
    [InlineData("WITH gone AS (DELETE FROM users RETURNING *) SELECT * FROM gone", "read-only")]
    [InlineData("SELECT * FROM users FOR UPDATE", "read-only")]
    [InlineData("SELECT * FROM secrets", "permission denied for table secrets")]
    [InlineData("SELECT pg_sleep(30)", "statement timeout")]
    public async Task A_query_that_writes_reads_what_was_not_granted_or_runs_too_long_fails_with_its_reason(string query, string reason)
    {
        var destination = $"/exports/{Guid.NewGuid():N}.csv";
        var taskId = await system.SubmitAsync("data_export", new { query, format = "csv", destination });

        var task = await system.WaitForAsync(taskId, "Failed");

        Assert.Contains(reason, task.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.False(File.Exists(system.PathOf(destination)));
        Assert.Equal(ExportSystem.UserCount, await system.ScalarAsync<long>("SELECT count(*) FROM users"));
        Assert.Equal(ExportSystem.UserCount - ExportSystem.UserCount / 3, (int)await system.ScalarAsync<long>("SELECT count(*) FROM users WHERE active"));
        Assert.True(await system.ExportServiceIsReadyAsync());
    }

    [Fact]
    public async Task A_task_that_times_out_mid_query_fails_as_timed_out_and_leaves_no_file()
    {
        var directory = $"/exports/{Guid.NewGuid():N}";
        var response = await system.Gateway.PostAsJsonAsync("/tasks", new
        {
            type = "data_export",
            timeout = 300,
            data = new { query = "SELECT pg_sleep(1.9)", format = "csv", destination = $"{directory}/slow.csv" },
        });
        var taskId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("taskId").GetGuid();

        var task = await system.WaitForAsync(taskId, "Failed");

        Assert.Equal("timed out", task.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(Directory.Exists(system.PathOf(directory)) ? Directory.GetFileSystemEntries(system.PathOf(directory)) : []);
    }

    [Fact]
    public async Task A_symbolic_link_out_of_the_storage_root_is_refused()
    {
        var outside = Path.Combine(Path.GetTempPath(), $"bus-outside-{Guid.NewGuid():N}");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.csv"), "a,b\r\n1,2\r\n");
        var link = $"/links/{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.GetDirectoryName(system.PathOf(link))!);
        Directory.CreateSymbolicLink(system.PathOf(link), outside);
        try
        {
            var taskId = await system.SubmitAsync("file_processing", new { filePath = $"{link}/secret.csv", operation = "parse" });

            var task = await system.WaitForAsync(taskId, "Failed");

            Assert.Contains("outside the storage root", task.GetProperty("error").GetProperty("message").GetString());
            Assert.True(await system.ExportServiceIsReadyAsync());
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task An_export_through_a_symbolic_link_out_of_the_root_writes_nothing_there()
    {
        var outside = Path.Combine(Path.GetTempPath(), $"bus-outside-{Guid.NewGuid():N}");
        Directory.CreateDirectory(outside);
        var link = $"/links/{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.GetDirectoryName(system.PathOf(link))!);
        Directory.CreateSymbolicLink(system.PathOf(link), outside);
        try
        {
            var taskId = await system.SubmitAsync("data_export", new { query = "SELECT 1", format = "csv", destination = $"{link}/out.csv" });

            var task = await system.WaitForAsync(taskId, "Failed");

            Assert.Contains("outside the storage root", task.GetProperty("error").GetProperty("message").GetString());
            Assert.Empty(Directory.GetFileSystemEntries(outside));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task A_zero_byte_file_is_refused()
    {
        var relative = $"/data/{Guid.NewGuid():N}.csv";
        Directory.CreateDirectory(Path.GetDirectoryName(system.PathOf(relative))!);
        await File.WriteAllBytesAsync(system.PathOf(relative), []);

        var taskId = await system.SubmitAsync("file_processing", new { filePath = relative, operation = "parse", @params = new { format = "csv" } });
        var task = await system.WaitForAsync(taskId, "Failed");

        Assert.Contains("empty file", task.GetProperty("error").GetProperty("message").GetString());
        Assert.True(await system.ExportServiceIsReadyAsync());
    }

    [Fact]
    public async Task An_existing_destination_is_not_overwritten_unless_asked()
    {
        var destination = $"/exports/{Guid.NewGuid():N}.csv";
        Directory.CreateDirectory(Path.GetDirectoryName(system.PathOf(destination))!);
        await File.WriteAllTextAsync(system.PathOf(destination), "keep me");

        var refused = await system.SubmitAsync("data_export", new { query = "SELECT 1 AS one", format = "csv", destination });
        var task = await system.WaitForAsync(refused, "Failed");
        Assert.Contains("already exists", task.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("keep me", await File.ReadAllTextAsync(system.PathOf(destination)));

        var replaced = await system.SubmitAsync("data_export", new { query = "SELECT 1 AS one", format = "csv", destination, overwrite = true });
        await system.WaitForAsync(replaced, "Completed");
        Assert.Equal("one\r\n1\r\n", await File.ReadAllTextAsync(system.PathOf(destination)));
    }
}
