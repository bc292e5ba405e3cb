using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Bus.IntegrationTests.EndToEnd;

[Collection(RunningSystemCollection.Name)]
public sealed class TaskListEndToEndTests(RunningSystem system)
{
    [Fact]
    public async Task Tasks_are_listed_newest_first_and_found_by_their_payload_and_paged_by_cursor()
    {
        var marker = $"marker{Guid.NewGuid():N}";
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var response = await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { "list@example.com" }, subject = $"{marker} {i}", body = "b" } });
            ids.Add(await RunningSystem.TaskIdOf(response));
        }
        ids.Reverse();

        var all = await ListAsync($"/tasks?q={marker}");
        Assert.Equal(ids, Ids(all));

        var first = await ListAsync($"/tasks?q={marker}&limit=2");
        Assert.Equal(ids.Take(2), Ids(first));
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await ListAsync($"/tasks?q={marker}&limit=2&cursor={cursor}");
        Assert.Equal(ids.Skip(2), Ids(second));

        var byOffset = await ListAsync($"/tasks?q={marker}&limit=2&offset=2");
        Assert.Equal(ids.Skip(2), Ids(byOffset));

        var byId = await ListAsync($"/tasks?q={ids[1]}");
        Assert.Equal([ids[1]], Ids(byId));
    }

    [Fact]
    public async Task Tasks_are_filtered_by_status_type_and_idempotency_key()
    {
        var key = $"list-{Guid.NewGuid():N}";
        var taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(new
        {
            type = "email_notification",
            idempotencyKey = key,
            data = new { to = new[] { "list@example.com" }, subject = key, body = "b" },
        }));
        await system.WaitForStatusAsync(taskId, "Completed");

        Assert.Equal([taskId], Ids(await ListAsync($"/tasks?idempotencyKey={key}&status=Completed,Failed&type=email_notification")));
        Assert.Empty(Ids(await ListAsync($"/tasks?idempotencyKey={key}&status=Failed")));
        Assert.Empty(Ids(await ListAsync($"/tasks?idempotencyKey={key}&createdAfter={DateTime.UtcNow.AddMinutes(1):O}")));
        var byQueue = await ListAsync($"/tasks?idempotencyKey={key}&queue=email");
        Assert.Equal([taskId], Ids(byQueue));
        Assert.Equal("email", byQueue.GetProperty("items")[0].GetProperty("queue").GetString());
        Assert.Empty(Ids(await ListAsync($"/tasks?idempotencyKey={key}&queue=media")));
    }

    [Fact]
    public async Task A_batch_accepts_the_good_tasks_and_reports_a_bad_one_by_its_index()
    {
        var subject = $"batch-{Guid.NewGuid():N}";
        var response = await system.Gateway.PostAsJsonAsync("/tasks/batch", new
        {
            tasks = new object[]
            {
                new { type = "email_notification", data = new { to = new[] { "a@example.com" }, subject, body = "1" } },
                new { type = "email_notification", data = new { to = new[] { "not-an-address" }, subject, body = "2" } },
                new { type = "email_notification", data = new { to = new[] { "b@example.com" }, subject, body = "3" } },
            },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var batch = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, batch.RootElement.GetProperty("accepted").GetInt32());
        var results = batch.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.True(results[1].GetProperty("errors").TryGetProperty("data.to[0]", out _));
        foreach (var accepted in new[] { results[0], results[2] })
            await system.WaitForStatusAsync(accepted.GetProperty("taskId").GetGuid(), "Completed");
        Assert.Equal(2, system.MailsWithSubject(subject).Count);

        var empty = await system.Gateway.PostAsJsonAsync("/tasks/batch", new { tasks = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Theory]
    [InlineData("status=Done", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=5000", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("createdAfter=yesterday", "createdAfter")]
    public async Task Bad_list_queries_are_400_problems_naming_the_parameter(string query, string parameter)
    {
        var response = await system.Gateway.GetAsync($"/tasks?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _));
    }

    private async Task<JsonElement> ListAsync(string url)
    {
        var response = await system.Gateway.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static List<Guid> Ids(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("taskId").GetGuid()).ToList();
}
