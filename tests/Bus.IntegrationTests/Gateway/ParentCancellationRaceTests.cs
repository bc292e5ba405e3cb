using System.Net.Http.Json;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bus.IntegrationTests.Gateway;

/// <summary>
/// A child task submitted while its parent's cancellation is in flight: the child's saga waits on the parent's row
/// and sees the cancellation, instead of reading the parent as it was and escaping the cascade.
/// </summary>
public sealed class ParentCancellationRaceTests : IAsyncLifetime
{
    private readonly RabbitManagement _rabbit = new();
    private readonly string _virtualHost = $"bus-test-{Guid.NewGuid():N}"[..21];
    private string _database = "";

    public async Task InitializeAsync()
    {
        await _rabbit.CreateVirtualHostAsync(_virtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_parent");
    }

    public async Task DisposeAsync()
    {
        await TestEnvironment.DropDatabaseAsync(_database);
        await _rabbit.DeleteVirtualHostAsync(_virtualHost);
        _rabbit.Dispose();
    }

    [Fact]
    public async Task A_child_submitted_while_its_parent_is_being_cancelled_waits_for_that_cancellation_and_is_cancelled_too()
    {
        await using var gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseTestBroker(_virtualHost);
            web.UseSetting("Postgres:ConnectionString", _database);
            web.UseSetting("Postgres:MigrateOnStart", "true");
            web.UseSetting("Redis:ConnectionString", TestEnvironment.RedisConnectionString);
            web.UseSetting("Redis:KeyPrefix", $"{_virtualHost}:");
        });
        using var client = gateway.CreateClientFor(GatewayRoles.Admin);
        var submitted = await client.PostAsJsonAsync("/tasks", new { type = "email_notification", data = Email("parent") });
        submitted.EnsureSuccessStatusCode();
        var parentId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();

        // Stands in for the parent's saga in the middle of cancelling it: its row locked, the cancellation not yet committed.
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var cancelling = await connection.BeginTransactionAsync();
        await Execute(connection, $"SELECT 1 FROM {TaskTable.QualifiedName} WHERE id = @parent FOR UPDATE", parentId);

        var childId = NewId.NextGuid();
        var childSubmission = gateway.Services.GetRequiredService<IBus>().CreateRequestClient<SubmitTask>()
            .GetResponse<TaskAccepted>(new SubmitTask(childId, "email_notification", JsonSerializer.SerializeToElement(Email("child")), ParentTaskId: parentId));
        // Without the lock nothing waits here, and the child is queued before the parent's cancellation commits.
        await WaitForLockWaiterAsync(connection, TimeSpan.FromSeconds(10));

        await Execute(connection, $"UPDATE {TaskTable.QualifiedName} SET status = 'Cancelled', finished_at = now() WHERE id = @parent", parentId);
        await cancelling.CommitAsync();

        Assert.Equal(childId, (await childSubmission).Message.TaskId);
        var child = await client.GetFromJsonAsync<JsonElement>($"/tasks/{childId}");
        Assert.Equal(("Cancelled", parentId), (child.GetProperty("status").GetString(), child.GetProperty("parentTaskId").GetGuid()));
        var error = child.GetProperty("error");
        Assert.Equal("Cancelled", error.GetProperty("type").GetString());
        Assert.Contains(parentId.ToString(), error.GetProperty("message").GetString());
    }

    private static object Email(string subject) => new { to = new[] { $"{subject}@example.com" }, subject, body = "b" };

    private static async Task Execute(NpgsqlConnection connection, string sql, Guid parentId)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("parent", parentId);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until another session of this database waits for a row lock, or the timeout passes.</summary>
    private static async Task WaitForLockWaiterAsync(NpgsqlConnection connection, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
                return;
            await Task.Delay(50);
        }
    }
}
