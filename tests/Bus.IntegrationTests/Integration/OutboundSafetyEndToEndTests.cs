using System.Text.Json;

namespace Bus.IntegrationTests.Integration;

/// <summary>SSRF and secrets: what IntegrationService refuses to call, and what never shows in answers or logs.</summary>
[Collection(IntegrationSystemCollection.Name)]
public sealed class OutboundSafetyEndToEndTests(IntegrationSystem system)
{
    private const string Refused = "Bus.IntegrationService.Outbound.OutboundRefusedException";

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://10.0.0.1/", "private")]
    [InlineData("http://[::1]/", "loopback")]
    public async Task Internal_addresses_that_are_not_allow_listed_are_refused_without_a_retry(string endpoint, string kind)
    {
        var taskId = await system.SubmitAsync("api_integration", new { endpoint, method = "GET" });

        var task = await system.WaitForAsync(taskId, "Failed");
        Assert.Equal(Refused, task.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(kind, task.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("localhost", "loopback")]
    public async Task A_live_server_on_loopback_is_never_reached_unless_through_the_allow_listed_address(string host, string kind)
    {
        await using var partner = await PartnerServer.StartAsync();

        var refused = await system.SubmitAsync("api_integration", new { endpoint = $"http://{host}:{partner.Port}/internal", method = "GET" });
        var allowed = await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/allowed", method = "GET" });

        var task = await system.WaitForAsync(refused, "Failed");
        Assert.Equal(Refused, task.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(kind, task.GetProperty("error").GetProperty("message").GetString());
        await system.WaitForAsync(allowed, "Completed");
        Assert.Empty(partner.ReceivedAt("/internal"));
        Assert.Single(partner.ReceivedAt("/allowed"));
    }

    [Fact]
    public async Task Credentials_reach_the_partner_but_are_redacted_in_the_task_and_absent_from_every_log()
    {
        await using var partner = await PartnerServer.StartAsync();
        var token = $"Bearer tok-{Guid.NewGuid():N}";
        var apiKey = $"key-{Guid.NewGuid():N}";
        var password = $"pw-{Guid.NewGuid():N}";

        var taskId = await system.SubmitAsync("api_integration", new
        {
            endpoint = $"{partner.Address}/secure",
            method = "POST",
            headers = new Dictionary<string, string> { ["Authorization"] = token, ["X-Api-Key"] = apiKey, ["Accept"] = "application/json" },
            payload = new { action = "sync", login = new { user = "acme", password } },
        });

        await system.WaitForAsync(taskId, "Completed");
        var request = Assert.Single(partner.ReceivedAt("/secure"));
        Assert.Equal(token, request.Headers["Authorization"]);
        Assert.Equal(apiKey, request.Headers["X-Api-Key"]);
        Assert.Equal(password, JsonDocument.Parse(request.Body).RootElement.GetProperty("login").GetProperty("password").GetString());

        var answer = await system.Gateway.GetStringAsync($"/tasks/{taskId}");
        var data = JsonDocument.Parse(answer).RootElement.GetProperty("data");
        Assert.Equal("[redacted]", data.GetProperty("headers").GetProperty("Authorization").GetString());
        Assert.Equal("[redacted]", data.GetProperty("headers").GetProperty("X-Api-Key").GetString());
        Assert.Equal("application/json", data.GetProperty("headers").GetProperty("Accept").GetString());
        Assert.Equal("[redacted]", data.GetProperty("payload").GetProperty("login").GetProperty("password").GetString());
        Assert.Equal("acme", data.GetProperty("payload").GetProperty("login").GetProperty("user").GetString());
        foreach (var secret in new[] { token, apiKey, password })
        {
            Assert.DoesNotContain(secret, answer);
            Assert.DoesNotContain(secret, system.Logs());
        }
    }

    [Fact]
    public async Task A_partner_that_quotes_the_credentials_back_never_puts_them_in_the_tasks_result_or_error()
    {
        await using var partner = await PartnerServer.StartAsync();
        var secret = $"tok-{Guid.NewGuid():N}";
        var apiKey = $"key-{Guid.NewGuid():N}";
        partner.Script("/quotes-ok", new PartnerReply(200, $$"""{"seen":"Bearer {{secret}}","key":"{{apiKey}}"}"""));
        partner.Script("/quotes-refusal", new PartnerReply(401, $"token {secret} is not valid for key {apiKey}"));
        var headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {secret}", ["X-Api-Key"] = apiKey };

        var completed = await system.WaitForAsync(await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/quotes-ok", headers }), "Completed");
        var failed = await system.WaitForAsync(await system.SubmitAsync("api_integration", new { endpoint = $"{partner.Address}/quotes-refusal", headers }), "Failed");

        Assert.Equal("""{"seen":"[redacted]","key":"[redacted]"}""", completed.GetProperty("result").GetProperty("excerpt").GetString());
        Assert.Contains("token [redacted] is not valid for key [redacted]", failed.GetProperty("error").GetProperty("message").GetString());
        foreach (var task in new[] { completed, failed })
        {
            Assert.DoesNotContain(secret, task.GetRawText());
            Assert.DoesNotContain(apiKey, task.GetRawText());
        }
    }
}
