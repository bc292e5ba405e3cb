using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Security;

/// <summary>Who may call what on a real Gateway: tokens, roles, anonymous health, and the answers when refused.</summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class GatewayAuthorizationTests(SecuredGatewayFixture fixture)
{
    private static readonly object Email = new
    {
        type = "email_notification",
        data = new { to = new[] { "auth@example.com" }, subject = "auth", body = "b" },
    };

    private SecuredGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task A_request_without_a_token_is_a_401_problem_with_a_bearer_challenge()
    {
        using var client = Gateway.Anonymous();

        var response = await client.GetAsync("/tasks");

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("bad-signature")]
    [InlineData("expired")]
    [InlineData("garbage")]
    public async Task An_invalid_token_is_a_401_problem(string kind)
    {
        using var client = Gateway.Anonymous();
        var token = kind switch
        {
            "bad-signature" => TestTokens.SignedWithAnotherKey(GatewayRoles.Admin),
            "expired" => TestTokens.Expired(GatewayRoles.Admin),
            _ => "not.a.token",
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/tasks");

        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        if (kind == "expired")
            Assert.Contains("expired", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_viewer_cannot_submit_a_task_403_problem()
    {
        using var viewer = Gateway.As(GatewayRoles.Viewer);

        var response = await viewer.PostAsJsonAsync("/tasks", Email);

        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("producer", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/tasks?limit=1")).StatusCode);
    }

    [Fact]
    public async Task A_producer_submits_and_reads_a_task_but_cannot_pause_a_schedule()
    {
        using var producer = Gateway.As(GatewayRoles.Producer);

        var submitted = await producer.PostAsJsonAsync("/tasks", Email);
        Assert.True(submitted.StatusCode == HttpStatusCode.Accepted, await submitted.Content.ReadAsStringAsync());
        var read = await producer.GetAsync(submitted.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        await AssertProblemAsync(await producer.PostAsync("/schedules/daily-report/pause", null), HttpStatusCode.Forbidden);
        await AssertProblemAsync(await producer.PostAsync("/schedules/daily-report/run", null), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_gets_past_authorization_to_the_schedule_commands()
    {
        using var admin = Gateway.As(GatewayRoles.Admin);

        // No Scheduler runs here: reaching the handler means a 404 for an impossible name, a 503 for a real one.
        var unknown = await admin.PostAsync("/schedules/no%20such%20cron/pause", null);
        var real = await admin.PostAsync("/schedules/daily-report/resume", null);

        Assert.Equal("Schedule not found", (await AssertProblemAsync(unknown, HttpStatusCode.NotFound)).GetProperty("title").GetString());
        Assert.Equal("Scheduler unavailable", (await AssertProblemAsync(real, HttpStatusCode.ServiceUnavailable)).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/health")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/docs/")]
    public async Task Health_and_the_api_reference_need_no_token(string path)
    {
        using var client = Gateway.Anonymous();

        var response = await client.GetAsync(path);

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
        if (path != "/health/ready" && path != "/health")
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_route_nobody_secured_explicitly_still_needs_a_token()
    {
        using var anonymous = Gateway.Anonymous();
        using var viewer = Gateway.As(GatewayRoles.Viewer);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/no-such-route")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("/no-such-route")).StatusCode);
    }

    [Fact]
    public async Task A_query_string_token_counts_only_on_live_event_paths()
    {
        using var client = Gateway.Anonymous();
        var token = Uri.EscapeDataString(TestTokens.For(GatewayRoles.Viewer));

        var tasks = await client.GetAsync($"/tasks?access_token={token}");
        // The stream never ends by itself: its headers are the answer.
        using var events = await client.GetAsync($"/events?access_token={token}", HttpCompletionOption.ResponseHeadersRead);
        var hub = await client.PostAsync($"/hubs/tasks/negotiate?negotiateVersion=1&access_token={token}", null);

        Assert.Equal(HttpStatusCode.Unauthorized, tasks.StatusCode);
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, hub.StatusCode);
    }

    [Fact]
    public async Task A_task_body_over_the_limit_is_a_413_problem_even_without_a_content_length()
    {
        using var producer = Gateway.As(GatewayRoles.Producer);
        var padding = new string('x', 1024 * 1024 + 10);
        var json = $$$"""{"type":"email_notification","data":{"to":["a@example.com"],"subject":"s","body":"{{{padding}}}"}}""";

        var sized = await producer.PostAsync("/tasks", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var streamed = await producer.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = chunked, Headers = { TransferEncodingChunked = true } });

        await AssertProblemAsync(sized, HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(streamed, HttpStatusCode.RequestEntityTooLarge);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
