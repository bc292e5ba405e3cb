using System.Text.RegularExpressions;
using Bus.ServiceDefaults;
using Bus.Tokens;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bus.Gateway.Security;

/// <summary>JWT bearer authentication from <see cref="AuthOptions"/>, the role policies, and 401/403 as problem details.</summary>
public static partial class GatewayAuthentication
{
    public const string RoleClaim = BusTokens.RoleClaim;
    public const string SubjectClaim = BusTokens.SubjectClaim;

    public static IHostApplicationBuilder AddGatewayAuthentication(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) => Configure(jwt, auth.Value));
        builder.Services.AddAuthorization(GatewayPolicies.Add);
        builder.Services.AddProblemDetails();
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth)
    {
        // Keep "sub" and "role" as the token names them instead of the long WS-Federation claim types.
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = auth.ClockSkew,
            NameClaimType = SubjectClaim,
            RoleClaimType = RoleClaim,
        };
        if (auth.HasAuthority)
        {
            jwt.Authority = auth.Authority;
            jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        }
        else
        {
            jwt.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(auth.SigningKeyBytes);
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        jwt.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                if (string.IsNullOrEmpty(context.Request.Headers.Authorization)
                    && AcceptsQueryStringToken(context.Request.Path)
                    && context.Request.Query.TryGetValue("access_token", out var token))
                    context.Token = token.ToString();
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var failure = context.AuthenticateFailure;
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                    failure is null ? "Send a bearer token: Authorization: Bearer <token>." : Describe(failure));
            },
            OnForbidden = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                var roles = context.HttpContext.User.FindAll(RoleClaim).Select(c => c.Value).ToList();
                var required = context.HttpContext.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
                    .Select(a => a.Policy).OfType<string>().Distinct().ToList() ?? [];
                return WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                    $"This needs the {string.Join(", ", required)} role (or a higher one); the token has {(roles.Count == 0 ? "no role" : string.Join(", ", roles))}.");
            },
        };
    }

    /// <summary>
    /// Browsers' EventSource and WebSocket cannot set headers, so the live-event streams and SignalR hubs (and only
    /// those: a URL ends up in logs and history) take the token as <c>?access_token=</c>.
    /// </summary>
    public static bool AcceptsQueryStringToken(PathString path) =>
        path.StartsWithSegments("/hubs") || path.Equals("/events", StringComparison.OrdinalIgnoreCase) || TaskEventsPath().IsMatch(path.Value ?? "");

    private static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "The token has expired; get a new one.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        SecurityTokenInvalidIssuerException => "The token was issued by another issuer.",
        SecurityTokenInvalidAudienceException => "The token was issued for another audience.",
        _ => "The token is not valid.",
    };

    private static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    [GeneratedRegex("^/tasks/[0-9a-fA-F-]{32,36}/events/?$")]
    private static partial Regex TaskEventsPath();
}
