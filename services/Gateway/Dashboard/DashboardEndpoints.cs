using System.Text.Json;
using Bus.Gateway.Api;
using Bus.Gateway.Security;
using Bus.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Dashboard;

public sealed record DashboardSession(string Token, DateTime ExpiresAt, string Subject, string Role);

/// <summary>
/// The operators' dashboard: static files (embedded in the assembly) at <c>/dashboard/</c>, and a sign-in that trades
/// configured credentials for the same bearer token the API accepts, so the dashboard is just another API client.
/// </summary>
public static class DashboardEndpoints
{
    public const string Path = "/dashboard";
    private const int MaxSignInBodyBytes = 4096;

    // Scripts and styles only from the Gateway itself: nothing from a CDN, nothing inline.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<DashboardOptions>(DashboardOptions.Section);
        return builder;
    }

    /// <summary>Serves the files before authentication: they hold no data, and every API call they make carries the token.</summary>
    public static WebApplication UseDashboard(this WebApplication app)
    {
        var files = new ManifestEmbeddedFileProvider(typeof(DashboardEndpoints).Assembly, "Dashboard/wwwroot");
        // The page's relative script paths need the trailing slash. Not an endpoint: routing would match "/dashboard/" too.
        app.Use((http, next) =>
        {
            if (http.Request.Path.Value != Path)
                return next(http);
            http.Response.Redirect(Path + "/");
            return Task.CompletedTask;
        });
        app.UseDefaultFiles(new DefaultFilesOptions { RequestPath = Path, FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = Path,
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // The files change with each release and are small: always revalidate (ETag) rather than serve a stale app.
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path + "/sign-in", SignInAsync).AllowAnonymous().WithTags("Dashboard")
            .WithSummary("Sign in to the dashboard")
            .WithDescription("Trades {\"username\", \"password\"} of a user in Dashboard:Users for a bearer token with that user's role, " +
                "valid Dashboard:SessionLifetime. 401 for wrong credentials; 404 when no users are configured or tokens come from an OpenID Connect provider.")
            .Produces<DashboardSession>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> SignInAsync(
        HttpRequest http, IOptions<DashboardOptions> dashboard, IOptions<AuthOptions> auth, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var settings = dashboard.Value;
        if (settings.Users.Count == 0 || !auth.Value.HasSigningKey)
            return Problem(StatusCodes.Status404NotFound, "Sign-in is not configured",
                "No Dashboard:Users are configured (or tokens come from an OpenID Connect provider): sign in with a bearer token instead.");

        var body = await RequestBody.ReadBoundedAsync(http, MaxSignInBodyBytes, cancellationToken);
        if (body is null)
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body must be at most {MaxSignInBodyBytes} bytes.");
        if (ReadCredentials(body.Value) is not var (username, password))
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["credentials"] = ["send {\"username\": \"...\", \"password\": \"...\"}"] },
                title: "The sign-in request is not valid");

        var user = settings.Users.GetValueOrDefault(username);
        if (!DashboardPasswords.Verify(user, password))
        {
            logs.CreateLogger(typeof(DashboardEndpoints)).LogWarning("Dashboard sign-in refused for {User} from {Address}", username, http.HttpContext.Connection.RemoteIpAddress);
            return Problem(StatusCodes.Status401Unauthorized, "Sign-in refused", "The user name or password is wrong.");
        }

        var expiresAt = DateTime.UtcNow + settings.SessionLifetime;
        var token = GatewayTokens.Mint(auth.Value, username, [user!.Role], settings.SessionLifetime);
        logs.CreateLogger(typeof(DashboardEndpoints)).LogInformation("Dashboard sign-in of {User} ({Role})", username, user.Role);
        return TypedResults.Ok(new DashboardSession(token, expiresAt, username, user.Role));
    }

    private static (string Username, string Password)? ReadCredentials(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("username", out var username) && username.ValueKind == JsonValueKind.String && username.GetString() is { Length: > 0 and <= 200 } name
                && root.TryGetProperty("password", out var password) && password.ValueKind == JsonValueKind.String && password.GetString() is { Length: > 0 and <= 1000 } secret
                ? (name, secret)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
