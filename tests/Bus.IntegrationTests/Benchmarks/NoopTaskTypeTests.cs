using System.Net;
using System.Net.Http.Json;
using Bus.IntegrationTests.Security;

namespace Bus.IntegrationTests.Benchmarks;

/// <summary>The benchmark's <c>noop</c> task type exists only where <c>Tasks:EnableNoop</c> turns it on.</summary>
public sealed class NoopTaskTypeTests
{
    private static readonly object NoopTask = new { type = "noop", data = new { sleepMs = 1 } };

    [Fact]
    public async Task A_noop_task_is_refused_as_an_unknown_type_by_default()
    {
        await using var gateway = await SecuredGateway.StartAsync();
        using var client = gateway.As("producer");

        var response = await client.PostAsJsonAsync("/tasks", NoopTask);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'noop' is not a known task type", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_Tasks_EnableNoop_a_noop_task_is_accepted()
    {
        await using var gateway = await SecuredGateway.StartAsync(new Dictionary<string, string> { ["Tasks:EnableNoop"] = "true" });
        using var client = gateway.As("producer");

        var response = await client.PostAsJsonAsync("/tasks", NoopTask);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
