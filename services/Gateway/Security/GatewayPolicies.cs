using Bus.Tokens;
using Microsoft.AspNetCore.Authorization;

namespace Bus.Gateway.Security;

/// <summary>The roles a token's <c>role</c> claims may name (<see cref="BusRoles"/>, shared with <c>bus token</c>).</summary>
public static class GatewayRoles
{
    public const string Admin = BusRoles.Admin;
    public const string Producer = BusRoles.Producer;
    public const string Viewer = BusRoles.Viewer;
    public static IReadOnlyList<string> All => BusRoles.All;
}

/// <summary>
/// The authorization policies endpoints name, each role including the ones below it. Anything without a policy still
/// needs an authenticated caller (the fallback policy); health and the API reference are anonymous.
/// </summary>
public static class GatewayPolicies
{
    public const string Viewer = "viewer";
    public const string Producer = "producer";
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Viewer, policy => policy.RequireAuthenticatedUser().RequireRole(GatewayRoles.Viewer, GatewayRoles.Producer, GatewayRoles.Admin));
        options.AddPolicy(Producer, policy => policy.RequireAuthenticatedUser().RequireRole(GatewayRoles.Producer, GatewayRoles.Admin));
        options.AddPolicy(Admin, policy => policy.RequireAuthenticatedUser().RequireRole(GatewayRoles.Admin));
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }
}
