using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.EndToEnd;

[Collection(RunningSystemCollection.Name)]
public sealed class EmailTaskEndToEndTests(RunningSystem system)
{
    [Fact]
    public async Task The_documented_email_body_completes_and_the_mail_arrives()
    {
        var response = await system.Gateway.PostAsync("/tasks", Json(
            """{"type":"email_notification","priority":10,"data":{"to":["user@example.com"],"subject":"Test Email","body":"This is a test email"}}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = await RunningSystem.TaskIdOf(response);
        Assert.Equal($"/tasks/{taskId}", response.Headers.Location?.OriginalString);

        var task = await system.WaitForStatusAsync(taskId, "Completed");
        Assert.Equal("email_notification", task.GetProperty("type").GetString());
        Assert.Equal(10, task.GetProperty("priority").GetInt32());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, task.GetProperty("startedAt").ValueKind);
        Assert.Equal(JsonValueKind.String, task.GetProperty("finishedAt").ValueKind);
        Assert.Equal(JsonValueKind.Object, task.GetProperty("result").ValueKind);

        var mail = Assert.Single(system.Smtp.Received, m => m.Message.Subject == "Test Email" && m.Message.TextBody?.Contains("This is a test email") == true);
        Assert.Equal(["user@example.com"], mail.EnvelopeRecipients);
    }

    [Fact]
    public async Task A_task_carries_the_trace_id_of_the_request_that_submitted_it()
    {
        var traceId = ActivityTraceId.CreateRandom();
        // Another in-process test host's OpenTelemetry instruments this HttpClient and replaces the header with its own
        // activity's context; as a child of this caller's activity, that context keeps the trace id.
        using var caller = new Activity("trace-id-test").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start();
        var request = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = JsonContent.Create(EmailBody($"trace-{traceId}")) };
        request.Headers.Add("traceparent", $"00-{traceId}-{caller.SpanId}-01");

        var response = await system.Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var task = await system.WaitForStatusAsync(await RunningSystem.TaskIdOf(response), "Completed");
        Assert.Equal(traceId.ToHexString(), task.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task A_task_and_its_idempotency_key_survive_a_gateway_restart()
    {
        var subject = $"restart-{Guid.NewGuid():N}";
        var key = $"restart-{Guid.NewGuid():N}";
        var body = new { type = "email_notification", idempotencyKey = key, data = new { to = new[] { "user@example.com" }, subject, body = "b" } };
        var taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(body));
        var before = await system.WaitForStatusAsync(taskId, "Completed");

        await system.RestartGatewayAsync();

        var after = await system.WaitForStatusAsync(taskId, "Completed", TimeSpan.FromSeconds(5));
        Assert.Equal(before.GetProperty("finishedAt").GetString(), after.GetProperty("finishedAt").GetString());
        var again = await system.SubmitAsync(body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(taskId, await RunningSystem.TaskIdOf(again));
        Assert.Single(system.MailsWithSubject(subject));
    }

    [Fact]
    public async Task With_smtp_down_the_task_is_retried_then_fails_and_its_message_waits_in_email_error()
    {
        var subject = $"smtp-down-{Guid.NewGuid():N}";
        system.SmtpGate.Down();
        Guid taskId;
        JsonElement task;
        try
        {
            var response = await system.SubmitAsync(EmailBody(subject));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            taskId = await RunningSystem.TaskIdOf(response);
            task = await system.WaitForStatusAsync(taskId, "Failed");
        }
        finally
        {
            system.SmtpGate.Up();
        }

        Assert.Equal(RunningSystem.EmailAttemptsBeforeError, task.GetProperty("attempts").GetInt32());
        var error = task.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Empty(system.MailsWithSubject(subject));

        var faulted = Assert.Single(await system.WaitForErrorQueueMessagesAsync(taskId));
        Assert.True(faulted.Headers.ContainsKey("MT-Fault-ExceptionType"), "MassTransit's fault headers are on the message");
        Assert.True(faulted.Headers.ContainsKey("MT-Fault-Message"));
        Assert.Equal("fault", faulted.Headers.GetValueOrDefault("MT-Reason"));
    }

    [Fact]
    public async Task A_failed_task_retried_after_smtp_came_back_completes_with_its_attempts_continued()
    {
        var subject = $"retry-{Guid.NewGuid():N}";
        system.SmtpGate.Down();
        Guid taskId;
        try
        {
            taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(EmailBody(subject)));
            await system.WaitForStatusAsync(taskId, "Failed");
        }
        finally
        {
            system.SmtpGate.Up();
        }

        var retry = await system.Gateway.PostAsync($"/tasks/{taskId}/retry", null);

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var task = await system.WaitForStatusAsync(taskId, "Completed");
        Assert.Equal(RunningSystem.EmailAttemptsBeforeError + 1, task.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("error").ValueKind);
        Assert.Single(system.MailsWithSubject(subject));
        Assert.Equal(HttpStatusCode.Conflict, (await system.Gateway.PostAsync($"/tasks/{taskId}/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await system.Gateway.PostAsync($"/tasks/{Guid.NewGuid()}/retry", null)).StatusCode);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_gives_one_task_and_one_mail()
    {
        var subject = $"idempotent-{Guid.NewGuid():N}";
        var key = $"order-{Guid.NewGuid():N}";
        var body = new { type = "email_notification", idempotencyKey = key, data = new { to = new[] { "buyer@example.com" }, subject, body = "Thanks" } };

        var first = await system.SubmitAsync(body);
        var second = await system.SubmitAsync(body);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var taskId = await RunningSystem.TaskIdOf(first);
        Assert.Equal(taskId, await RunningSystem.TaskIdOf(second));
        Assert.Equal($"/tasks/{taskId}", second.Headers.Location?.OriginalString);

        await system.WaitForStatusAsync(taskId, "Completed");
        var third = await system.SubmitAsync(body);
        Assert.Equal(taskId, await RunningSystem.TaskIdOf(third));
        await Task.Delay(500);
        Assert.Single(system.MailsWithSubject(subject));
    }

    [Fact]
    public async Task Concurrent_submissions_with_one_idempotency_key_make_one_task_and_one_mail()
    {
        var subject = $"racing-{Guid.NewGuid():N}";
        var body = new { type = "email_notification", idempotencyKey = subject, data = new { to = new[] { "buyer@example.com" }, subject, body = "Thanks" } };

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => system.SubmitAsync(body)));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"{r.StatusCode}"));
        var taskIds = await Task.WhenAll(responses.Select(RunningSystem.TaskIdOf));
        var taskId = Assert.Single(taskIds.Distinct());
        await system.WaitForStatusAsync(taskId, "Completed");
        await Task.Delay(500);
        Assert.Single(system.MailsWithSubject(subject));
    }

    [Fact]
    public async Task Fifty_concurrent_submissions_all_complete_with_fifty_distinct_mails()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var subjects = Enumerable.Range(0, 50).Select(i => $"load-{run}-{i}").ToList();

        var responses = await Task.WhenAll(subjects.Select(s => system.SubmitAsync(EmailBody(s))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var taskIds = await Task.WhenAll(responses.Select(RunningSystem.TaskIdOf));
        Assert.Equal(50, taskIds.Distinct().Count());
        foreach (var taskId in taskIds)
            await system.WaitForStatusAsync(taskId, "Completed", TimeSpan.FromSeconds(120));

        var received = system.Smtp.Received.Where(m => m.Message.Subject?.StartsWith($"load-{run}-") == true).ToList();
        Assert.Equal(50, received.Count);
        Assert.Equal(subjects.Order(), received.Select(m => m.Message.Subject).Order());
    }

    [Fact]
    public async Task A_SendEmail_published_by_another_service_is_tracked_and_completes()
    {
        var recipient = $"sample-{Guid.NewGuid():N}@example.com";
        await using var producer = ServiceProcess.Start("samples/Producer", "Bus.Samples.Producer", system.Settings(), recipient, "Grace");
        var output = await producer.ReadOutputAsync(TimeSpan.FromSeconds(60));
        Assert.True(Guid.TryParse(output.Trim(), out var taskId), $"the sample prints the task id, got: {output}");

        var task = await system.WaitForStatusAsync(taskId, "Completed");
        Assert.Equal("email_notification", task.GetProperty("type").GetString());

        var mail = Assert.Single(system.Smtp.Received, m => m.EnvelopeRecipients.Contains(recipient));
        Assert.Contains("Grace", mail.Message.HtmlBody ?? mail.Message.TextBody);
    }

    [Theory]
    [InlineData("""{"type":"no_such_type","data":{}}""", "type")]
    [InlineData("""{"type":"email_notification","data":{"to":["not-an-address"],"subject":"s","body":"b"}}""", "data.to[0]")]
    [InlineData("""{"type":"email_notification","data":{"to":["a@example.com"]}}""", "data.subject")]
    [InlineData("""{"type":"email_notification","priority":99,"data":{"to":["a@example.com"],"subject":"s","body":"b"}}""", "priority")]
    [InlineData("""{"type":"email_notification","data":{"to":["a@example.com"],"template":"verify","variables":{"firstName":"A"}}}""", "data.variables.verificationLink")]
    [InlineData("""{"type":"email_notification""", "body")]
    public async Task Bad_input_is_a_400_problem_naming_the_field(string body, string field)
    {
        var response = await system.Gateway.PostAsync("/tasks", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"errors name {field}: {problem.RootElement}");
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_a_413_problem()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        var response = await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { "a@example.com" }, subject = "s", body = huge } });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_unknown_task_id_is_a_404_problem()
    {
        var response = await system.Gateway.GetAsync($"/tasks/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static object EmailBody(string subject) =>
        new { type = "email_notification", data = new { to = new[] { "user@example.com" }, subject, body = "Hello from the test" } };

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
