using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Bus.IntegrationTests.EndToEnd;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Admin;

/// <summary>Real faulted messages: the SMTP gate is closed until the tasks fail and their messages wait in <c>email_error</c>.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class ErrorQueueEndToEndTests(RunningSystem system)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Browsing_leaves_the_depth_unchanged_and_redelivery_brings_each_message_back_once_and_its_task_completes()
    {
        var (taskIds, subjects) = await FailTasksAsync(3);
        var depth = (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages;

        var page = await GetJsonAsync("/admin/queues/email/errors?limit=100");
        var again = await GetJsonAsync("/admin/queues/email/errors?limit=100");

        Assert.Equal(depth, (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages);
        Assert.Equal(depth, page.GetProperty("total").GetInt64());
        var messages = page.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(page.GetProperty("messages").ToString(), again.GetProperty("messages").ToString());
        var mine = messages.Where(m => m.GetProperty("taskId").ValueKind == JsonValueKind.String && taskIds.Contains(m.GetProperty("taskId").GetGuid())).ToList();
        Assert.Equal(3, mine.Count);
        foreach (var message in mine)
        {
            var fault = message.GetProperty("fault");
            Assert.False(string.IsNullOrEmpty(fault.GetProperty("exceptionType").GetString()), message.ToString());
            Assert.False(string.IsNullOrEmpty(fault.GetProperty("message").GetString()), message.ToString());
            Assert.False(string.IsNullOrEmpty(fault.GetProperty("stackTrace").GetString()), message.ToString());
            Assert.Equal(JsonValueKind.String, fault.GetProperty("timestamp").ValueKind);
            Assert.Contains("email", fault.GetProperty("inputAddress").GetString());
            Assert.Contains("urn:message:Bus.Contracts.Email:SendEmail", message.GetProperty("messageTypes").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal(JsonValueKind.Object, message.GetProperty("message").ValueKind);
        }

        // Pages are windows over the same order.
        var first = (await GetJsonAsync("/admin/queues/email/errors?limit=1&offset=0")).GetProperty("messages").EnumerateArray().Single();
        var second = (await GetJsonAsync("/admin/queues/email/errors?limit=1&offset=1")).GetProperty("messages").EnumerateArray().Single();
        Assert.Equal(messages[0].GetProperty("messageId").GetString(), first.GetProperty("messageId").GetString());
        Assert.Equal(messages[1].GetProperty("messageId").GetString(), second.GetProperty("messageId").GetString());

        var ids = mine.Select(m => m.GetProperty("messageId").GetString()!).ToList();
        var redeliver = await system.Gateway.PostAsJsonAsync("/admin/queues/email/errors/redeliver", new { messageIds = ids });
        var result = await ReadJsonAsync(redeliver);

        Assert.Equal(3, result.GetProperty("redelivered").GetInt32());
        Assert.Empty(result.GetProperty("notFound").EnumerateArray());
        foreach (var taskId in taskIds)
            await system.WaitForStatusAsync(taskId, "Completed", Deadline);
        Assert.Equal(depth - 3, (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages);
        await Task.Delay(500);
        foreach (var subject in subjects)
            Assert.Single(system.MailsWithSubject(subject));

        var repeat = await system.Gateway.PostAsJsonAsync("/admin/queues/email/errors/redeliver", new { messageIds = ids });
        Assert.Equal(HttpStatusCode.NotFound, repeat.StatusCode);
        Assert.Equal("application/problem+json", repeat.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Discarding_removes_only_that_message_and_a_second_discard_is_not_found()
    {
        var (taskIds, _) = await FailTasksAsync(2);
        var depth = (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages;
        var messages = (await GetJsonAsync("/admin/queues/email/errors?limit=100")).GetProperty("messages").EnumerateArray().ToList();
        string MessageIdOf(Guid taskId) => messages.Single(m => m.GetProperty("taskId").ValueKind == JsonValueKind.String && m.GetProperty("taskId").GetGuid() == taskId)
            .GetProperty("messageId").GetString()!;
        var discarded = MessageIdOf(taskIds[0]);
        var kept = MessageIdOf(taskIds[1]);

        var discard = await system.Gateway.DeleteAsync($"/admin/queues/email/errors/{discarded}");

        Assert.Equal(HttpStatusCode.NoContent, discard.StatusCode);
        Assert.Equal(depth - 1, (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages);
        var left = (await GetJsonAsync("/admin/queues/email/errors?limit=100")).GetProperty("messages").EnumerateArray()
            .Select(m => m.GetProperty("messageId").GetString()).ToList();
        Assert.DoesNotContain(discarded, left);
        Assert.Contains(kept, left);
        var twice = await system.Gateway.DeleteAsync($"/admin/queues/email/errors/{discarded}");
        Assert.Equal(HttpStatusCode.NotFound, twice.StatusCode);
        Assert.Equal("application/problem+json", twice.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Redelivering_with_no_body_moves_every_message_back()
    {
        var (taskIds, _) = await FailTasksAsync(1);

        var result = await ReadJsonAsync(await system.Gateway.PostAsync("/admin/queues/email/errors/redeliver", null));

        Assert.True(result.GetProperty("redelivered").GetInt32() >= 1, result.ToString());
        Assert.Equal(0u, (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages);
        await system.WaitForStatusAsync(taskIds[0], "Completed", Deadline);
    }

    [Fact]
    public async Task Discarding_all_empties_the_error_queue_and_says_how_many()
    {
        await FailTasksAsync(2);
        var depth = (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages;

        var result = await ReadJsonAsync(await system.Gateway.DeleteAsync("/admin/queues/email/errors"));

        Assert.Equal(depth, result.GetProperty("discarded").GetInt64());
        Assert.Equal(0u, (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages);
        var unknown = await system.Gateway.DeleteAsync("/admin/queues/no-such-queue/errors");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    /// <summary>Submits tasks with the mail server down and waits for each to fail (its message in email_error); reopens the gate.</summary>
    private async Task<(IReadOnlyList<Guid> TaskIds, IReadOnlyList<string> Subjects)> FailTasksAsync(int count)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var subjects = Enumerable.Range(0, count).Select(i => $"error-queue-{run}-{i}").ToList();
        var taskIds = new List<Guid>();
        system.SmtpGate.Down();
        try
        {
            foreach (var subject in subjects)
            {
                var response = await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { "errors@example.com" }, subject, body = "b" } });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                taskIds.Add(await RunningSystem.TaskIdOf(response));
            }
            foreach (var taskId in taskIds)
                await system.WaitForStatusAsync(taskId, "Failed", Deadline);
        }
        finally
        {
            system.SmtpGate.Up();
        }

        // The task fails on the bus's Fault event; the message itself may reach the error queue a moment later.
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var waiting = (await GetJsonAsync("/admin/queues/email/errors?limit=100")).GetProperty("messages").EnumerateArray()
                .Count(m => m.GetProperty("taskId").ValueKind == JsonValueKind.String && taskIds.Contains(m.GetProperty("taskId").GetGuid()));
            if (waiting == count)
                return (taskIds, subjects);
            Assert.True(DateTime.UtcNow < deadline, $"only {waiting} of {count} failed messages reached email_error");
            await Task.Delay(200);
        }
    }

    private async Task<JsonElement> GetJsonAsync(string path) => await ReadJsonAsync(await system.Gateway.GetAsync(path));

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
