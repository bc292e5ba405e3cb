using System.Net.Http.Json;
using System.Text.Json;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>Submitting a task through a running Gateway and waiting for it to finish, as a test system does.</summary>
public static class GatewayTasks
{
    public static async Task<Guid> SubmitTaskAsync(this HttpClient gateway, string type, object data)
    {
        var response = await gateway.PostAsJsonAsync("/tasks", new { type, data });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("taskId").GetGuid();
    }

    public static async Task<JsonElement> GetTaskAsync(this HttpClient gateway, Guid taskId)
    {
        var response = await gateway.GetAsync($"/tasks/{taskId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// Polls <c>GET /tasks/{id}</c> until the task is Completed, Failed or Cancelled; fails, naming the last answer and
    /// the services' logs, if it is not <paramref name="status"/> within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<JsonElement> WaitForTaskAsync(this HttpClient gateway, Guid taskId, string status, TimeSpan timeout, IEnumerable<ServiceProcess> services)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            var response = await gateway.GetAsync($"/tasks/{taskId}");
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                var task = JsonDocument.Parse(last).RootElement.Clone();
                var current = task.GetProperty("status").GetString();
                if (current == status)
                    return task;
                if (current is "Completed" or "Failed" or "Cancelled")
                    break;
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"task {taskId} did not end {status}; last answer: {last}; logs: {string.Join(", ", services.Select(s => s.LogPath))}");
    }
}
