using System.Net.Http.Json;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Security;
using Bus.ServiceDefaults.Persistence;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Bus.IntegrationTests.Gateway;

/// <summary>
/// A child task submitted while its parent's cancellation is in flight: the child's saga waits on the parent's row
/// and sees the cancellation, instead of reading the parent as it was and escaping the cascade.
/// </summary>
public sealed class ParentCancellationRaceTests
{
    [Fact]
    public async Task A_child_submitted_while_its_parent_is_being_cancelled_waits_for_that_cancellation_and_is_cancelled_too()
    {
        await using var gateway = await SecuredGateway.StartAsync();
        using var client = gateway.As(GatewayRoles.Admin);
        var submitted = await client.PostAsJsonAsync("/tasks", new { type = "email_notification", data = Email("parent") });
        submitted.EnsureSuccessStatusCode();
        var parentId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("taskId").GetGuid();

        // Stands in for the parent's saga in the middle of cancelling it: its row locked, the cancellation not yet committed.
        await using var connection = new NpgsqlConnection(gateway.Database);
        await connection.OpenAsync();
        await using var cancelling = await connection.BeginTransactionAsync();
        await Execute(connection, $"SELECT 1 FROM {TaskTable.QualifiedName} WHERE id = @parent FOR UPDATE", parentId);

        var childId = NewId.NextGuid();
        var childSubmission = gateway.Factory.Services.GetRequiredService<IBus>().CreateRequestClient<SubmitTask>()
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
