using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Integration;

/// <summary><c>api_integration</c> submitted over HTTP, run by IntegrationService against local partner APIs.</summary>
[Collection(IntegrationSystemCollection.Name)]
public sealed class ApiIntegrationEndToEndTests(IntegrationSystem system)
{
    private const string PartnerRejected = "Bus.IntegrationService.Outbound.PartnerRejectedException";
    private const string CircuitOpen = "Bus.IntegrationService.Outbound.PartnerCircuitOpenException";

    [Fact]
    public async Task The_issue_body_completes_against_a_partner_that_receives_its_headers_and_payload()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/webhook", new PartnerReply(200, """{"accepted":true,"id":"p-42"}"""));

        var taskId = await system.SubmitAsync("api_integration", new
        {
            endpoint = $"{partner.Address}/webhook",
            method = "POST",
            headers = new Dictionary<string, string> { ["Authorization"] = "Bearer token", ["X-Request-Source"] = "bus" },
            payload = new { action = "sync" },
        });

        var task = await system.WaitForAsync(taskId, "Completed");
        var request = Assert.Single(partner.ReceivedAt("/webhook"));
        Assert.Equal("POST", request.Method);
        Assert.Equal("Bearer token", request.Headers["Authorization"]);
        Assert.Equal("bus", request.Headers["X-Request-Source"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"]);
        Assert.Equal("sync", JsonDocument.Parse(request.Body).RootElement.GetProperty("action").GetString());

        var result = task.GetProperty("result");
        Assert.Equal(200, result.GetProperty("statusCode").GetInt32());
        Assert.True(result.GetProperty("durationMs").GetInt64() >= 0);
        Assert.Equal("""{"accepted":true,"id":"p-42"}""", result.GetProperty("excerpt").GetString());
        Assert.False(result.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task A_500_is_retried_until_the_partner_answers()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/flaky", new PartnerReply(500, "oops"), new PartnerReply(200));

        var taskId = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/flaky", payload = new { n = 1 } });

        await system.WaitForAsync(taskId, "Completed");
        Assert.Equal(2, partner.ReceivedAt("/flaky").Count);
    }

    [Fact]
    public async Task A_400_fails_the_task_at_once_with_the_partners_answer_and_is_never_retried()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/strict", new PartnerReply(400, """{"error":"action is unknown"}"""), new PartnerReply(200));

        var taskId = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/strict", payload = new { action = "nope" } });

        var task = await system.WaitForAsync(taskId, "Failed");
        Assert.Equal(PartnerRejected, task.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("answered 400", task.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("action is unknown", task.GetProperty("error").GetProperty("message").GetString());
        Assert.Single(partner.ReceivedAt("/strict"));
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_429_is_retried_no_sooner_than_its_Retry_After_says()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/throttled",
            new PartnerReply(429, """{"error":"slow down"}""", new Dictionary<string, string> { ["Retry-After"] = "2" }),
            new PartnerReply(200));

        var taskId = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/throttled", method = "GET" });

        await system.WaitForAsync(taskId, "Completed");
        var requests = partner.ReceivedAt("/throttled");
        Assert.Equal(2, requests.Count);
        // The configured retry delay is 50 ms: only Retry-After explains a wait of two seconds.
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromSeconds(1.9),
            $"retried {requests[1].ReceivedAt - requests[0].ReceivedAt} after the 429");
    }

    [Fact]
    public async Task Five_failures_open_the_breaker_and_later_tasks_for_that_host_wait_until_it_half_opens()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/down", new PartnerReply(503, "maintenance"));

        var failing = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/down", payload = new { n = 1 } });
        await system.UntilAsync(async () => ErrorType(await system.GetTaskAsync(failing)) == CircuitOpen, "the first task meets the open circuit");
        Assert.Equal(5, partner.ReceivedAt("/down").Count);

        // The partner is back, but the breaker does not know yet: the next task must not be sent until it half-opens.
        partner.Script("/down", new PartnerReply(200));
        partner.Script("/later", new PartnerReply(200));
        var later = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/later", payload = new { n = 2 } });
        await system.UntilAsync(async () => ErrorType(await system.GetTaskAsync(later)) == CircuitOpen, "the later task meets the open circuit");
        Assert.Empty(partner.ReceivedAt("/later"));

        await system.WaitForAsync(later, "Completed", TimeSpan.FromSeconds(90));
        Assert.Single(partner.ReceivedAt("/later"));
    }

    [Fact]
    public async Task A_response_larger_than_the_cap_is_cut_off_and_the_task_still_completes()
    {
        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/big", new PartnerReply(200, new string('x', 3 << 20)));

        var taskId = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/big", method = "GET" });

        var result = (await system.WaitForAsync(taskId, "Completed")).GetProperty("result");
        Assert.True(result.GetProperty("truncated").GetBoolean());
        Assert.Equal(1 << 20, result.GetProperty("responseBytes").GetInt64());
        Assert.Equal(1024, result.GetProperty("excerpt").GetString()!.Length);
    }

    private static string? ErrorType(JsonElement task) =>
        task.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object ? error.GetProperty("type").GetString() : null;

    [Fact]
    public async Task Poison_messages_on_queue_integration_are_set_aside_with_a_reason_and_the_service_keeps_serving()
    {
        await PoisonMessages.PublishAndExpectSetAsideAsync(system.Rabbit, system.VirtualHost, "integration");

        await using var partner = await PartnerServer.StartAsync();
        partner.Script("/after-poison", new PartnerReply(200, "{}"));
        await system.WaitForAsync(await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/after-poison" }), "Completed");
        Assert.Single(partner.ReceivedAt("/after-poison"));
    }
}
