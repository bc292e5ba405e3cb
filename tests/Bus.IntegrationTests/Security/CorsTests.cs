using System.Net;

namespace Bus.IntegrationTests.Security;

/// <summary>Browsers on the configured origins (Cors:AllowedOrigins) may call the API; others are not told they may.</summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed class CorsTests(SecuredGatewayFixture fixture)
{
    [Fact]
    public async Task A_preflight_from_an_allowed_origin_is_answered_with_its_cors_headers()
    {
        using var client = fixture.Gateway.Anonymous();

        var response = await client.SendAsync(Preflight(SecuredGateway.AllowedOrigin, "POST", "authorization,content-type"));

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        Assert.Equal(SecuredGateway.AllowedOrigin, Single(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Single(response, "Access-Control-Allow-Credentials"));
        Assert.Contains("POST", Single(response, "Access-Control-Allow-Methods"));
        var headers = Single(response, "Access-Control-Allow-Headers").ToLowerInvariant();
        Assert.Contains("authorization", headers);
        Assert.Contains("content-type", headers);
    }

    [Fact]
    public async Task A_preflight_from_another_origin_gets_no_cors_headers()
    {
        using var client = fixture.Gateway.Anonymous();

        var response = await client.SendAsync(Preflight("https://evil.example.net", "POST", "authorization"));

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task A_cross_origin_read_from_an_allowed_origin_may_see_the_answer_and_its_location_header()
    {
        using var client = fixture.Gateway.As(Bus.Gateway.Security.GatewayRoles.Viewer);
        var request = new HttpRequestMessage(HttpMethod.Get, "/tasks?limit=1");
        request.Headers.Add("Origin", SecuredGateway.AllowedOrigin);

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SecuredGateway.AllowedOrigin, Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("location", Single(response, "Access-Control-Expose-Headers").ToLowerInvariant());
    }

    private static HttpRequestMessage Preflight(string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/tasks");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string Single(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : $"(no {header})";
}
