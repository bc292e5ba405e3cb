using System.Net;
using System.Text.RegularExpressions;
using Bus.Gateway.Security;
using Bus.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.IntegrationTests.Security;

/// <summary>
/// Every route the Gateway maps, found from the running app rather than listed by hand: a route added without a role
/// policy, or one that lets the wrong caller through, fails here.
/// </summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed partial class AuthorizationSweepTests(SecuredGatewayFixture fixture)
{
    /// <summary>Each policy and a role just below it; "guest" is a valid token that names no Bus role.</summary>
    private static readonly Dictionary<string, string> RoleBelow = new()
    {
        [GatewayPolicies.Viewer] = "guest",
        [GatewayPolicies.Producer] = GatewayRoles.Viewer,
        [GatewayPolicies.Admin] = GatewayRoles.Producer,
    };

    [Fact]
    public void Every_route_but_health_and_the_api_reference_names_a_role_policy()
    {
        var unprotected = Routes()
            .Where(r => !r.Anonymous && r.Policy is null)
            .Select(r => $"{r.Method} {r.Pattern}")
            .ToList();

        Assert.Empty(unprotected);
        Assert.Contains(Routes(), r => r.Anonymous && r.Pattern == "/health");
    }

    [Fact]
    public void Every_route_requires_the_role_its_kind_of_operation_needs()
    {
        var wrong = Routes()
            .Where(r => !r.Anonymous && r.Policy != ExpectedPolicy(r))
            .Select(r => $"{r.Method} {r.Pattern}: {r.Policy ?? "(none)"}, expected {ExpectedPolicy(r)}")
            .ToList();

        Assert.Empty(wrong);
    }

    [Fact]
    public async Task Every_protected_route_refuses_a_caller_without_a_token_and_one_whose_role_is_too_weak()
    {
        var routes = Routes().Where(r => !r.Anonymous).ToList();
        using var anonymous = fixture.Gateway.Anonymous();
        var failures = new List<string>();

        foreach (var route in routes)
        {
            var path = Concrete(route.Pattern);
            using (var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(route.Method), path), HttpCompletionOption.ResponseHeadersRead))
            {
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                    failures.Add($"{route.Method} {path} without a token: {(int)response.StatusCode}");
            }

            using var weak = fixture.Gateway.As(RoleBelow[route.Policy!]);
            using (var response = await weak.SendAsync(new HttpRequestMessage(new HttpMethod(route.Method), path), HttpCompletionOption.ResponseHeadersRead))
            {
                if (response.StatusCode != HttpStatusCode.Forbidden)
                    failures.Add($"{route.Method} {path} as {RoleBelow[route.Policy!]}: {(int)response.StatusCode}");
            }
        }

        Assert.True(routes.Count > 20, $"only {routes.Count} protected routes found");
        Assert.Empty(failures);
    }

    /// <summary>The README's roles table: operations are admin's, changing tasks is producer's, reading is everyone's.</summary>
    private static string ExpectedPolicy(MappedRoute route) => route switch
    {
        { Pattern: var p } when p.StartsWith("/admin/", StringComparison.Ordinal) => GatewayPolicies.Admin,
        { Method: "POST", Pattern: var p } when p.StartsWith("/schedules/", StringComparison.Ordinal) => GatewayPolicies.Admin,
        { Pattern: var p } when p.StartsWith("/hubs/", StringComparison.Ordinal) => GatewayPolicies.Viewer,
        { Method: "GET" } => GatewayPolicies.Viewer,
        _ => GatewayPolicies.Producer,
    };

    private sealed record MappedRoute(string Method, string Pattern, bool Anonymous, string? Policy);

    private List<MappedRoute> Routes() =>
    [
        .. fixture.Gateway.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Where(method => method != "OPTIONS")
                .Select(method => new MappedRoute(
                    method,
                    "/" + endpoint.RoutePattern.RawText!.Trim('/'),
                    endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                    endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null)))),
    ];

    /// <summary>A request path for a route pattern: a task queue for names, a fresh id for ids.</summary>
    private static string Concrete(string pattern) =>
        RouteParameter().Replace(pattern, match => match.Groups["name"].Value switch
        {
            "name" => "email",
            _ => Guid.NewGuid().ToString(),
        });

    [GeneratedRegex(@"\{\*{0,2}(?<name>\w+)[^}]*\}")]
    private static partial Regex RouteParameter();
}
