using Microsoft.AspNetCore.Authorization;

namespace Bus.Gateway.Security;

/// <summary>The roles a token's <c>role</c> claims may name.</summary>
public static class GatewayRoles
{
    /// <summary>Operations: schedules, queues, error queues, cleanup.</summary>
    public const string Admin = "admin";

    /// <summary>Submits, cancels and retries tasks, and reads.</summary>
    public const string Producer = "producer";

    /// <summary>Reads tasks, schedules and statistics.</summary>
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Producer, Viewer];
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
