using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.EndToEnd;

namespace Bus.IntegrationTests.Dashboard;

/// <summary><c>POST /dashboard/sign-in</c> and the dashboard's files, over HTTP against the running Gateway.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class DashboardSignInTests(RunningSystem system)
{
    [Fact]
    public async Task Signing_in_returns_a_token_with_the_users_role_that_the_API_accepts()
    {
        using var anonymous = new HttpClient { BaseAddress = system.Gateway.BaseAddress };

        var response = await anonymous.PostAsJsonAsync("/dashboard/sign-in", new { username = DashboardUsers.Viewer, password = DashboardUsers.ViewerPassword });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("viewer", session.GetProperty("role").GetString());
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/stats/system")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsync("/admin/queues/email/pause", null)).StatusCode);
    }

    [Theory]
    [InlineData(DashboardUsers.Admin, "wrong-password")]
    [InlineData("nobody", DashboardUsers.AdminPassword)]
    [InlineData(DashboardUsers.Viewer, DashboardUsers.AdminPassword)]
    public async Task Wrong_credentials_are_a_401_problem(string username, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = system.Gateway.BaseAddress };

        var response = await anonymous.PostAsJsonAsync("/dashboard/sign-in", new { username, password });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("token", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("not json")]
    [InlineData("{\"username\": 1, \"password\": []}")]
    public async Task A_malformed_sign_in_is_a_400_problem(string body)
    {
        using var anonymous = new HttpClient { BaseAddress = system.Gateway.BaseAddress };

        var response = await anonymous.PostAsync("/dashboard/sign-in", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_is_served_without_a_token_with_a_strict_content_security_policy()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.Gateway.BaseAddress };

        var redirect = await anonymous.GetAsync("/dashboard");
        var page = await anonymous.GetAsync("/dashboard/");
        var script = await anonymous.GetAsync("/dashboard/vendor/signalr.min.js");

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/dashboard/", redirect.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Bus dashboard", await page.Content.ReadAsStringAsync());
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/no-such-file.js")).StatusCode);
    }
}
