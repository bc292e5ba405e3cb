using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Bus.Gateway.OpenApi;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c>, generated from the endpoints, and its interactive reference at <c>/docs</c>.</summary>
public static class ApiDocumentation
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";

    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Bus Gateway",
                    Version = "v1",
                    Description = "Submit background tasks, follow them, and operate their queues and schedules. " +
                        "Every error is an RFC 7807 problem details document (application/problem+json).",
                };
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer<BearerSchemeTransformer>();
            options.AddDocumentTransformer<HealthProbeTransformer>();
            options.AddOperationTransformer<SecurityResponsesTransformer>();
        });
        return builder;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // Served entirely by this process: Scalar's bundled script, no web fonts, no telemetry or AI agent calls.
        app.MapScalarApiReference(ReferencePath, scalar => scalar
                .WithTitle("Bus Gateway API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .AddPreferredSecuritySchemes(BearerSchemeTransformer.Scheme))
            .AllowAnonymous();
        return app;
    }
}

/// <summary>
/// <c>/health/live</c> and <c>/health/ready</c> are health-check endpoints, not route handlers, so ASP.NET Core's
/// generator does not see them; they are added from the app's endpoints here.
/// </summary>
public sealed class HealthProbeTransformer(EndpointDataSource endpoints) : Microsoft.AspNetCore.OpenApi.IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, Microsoft.AspNetCore.OpenApi.OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= new OpenApiPaths();
        document.Tags ??= new HashSet<OpenApiTag>();
        if (!document.Tags.Any(t => t.Name == "Health"))
            document.Tags.Add(new OpenApiTag { Name = "Health", Description = "Probes for load balancers and Kubernetes." });
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>().Where(e => e.DisplayName == "Health checks"))
        {
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (document.Paths.ContainsKey(path))
                continue;
            var readiness = path.EndsWith("ready", StringComparison.Ordinal);
            document.Paths[path] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new()
                    {
                        Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                        Summary = readiness ? "Readiness probe" : "Liveness probe",
                        Description = readiness
                            ? "200 `Healthy` when the process and its dependencies (RabbitMQ, PostgreSQL, Redis) answer; 503 `Unhealthy` otherwise. Anonymous."
                            : "200 `Healthy` while the process answers. Anonymous.",
                        Responses = new OpenApiResponses
                        {
                            ["200"] = new OpenApiResponse { Description = "Healthy (or Degraded)", Content = PlainText() },
                            ["503"] = new OpenApiResponse { Description = "Unhealthy", Content = PlainText() },
                        },
                    },
                },
            };
        }
        return Task.CompletedTask;
    }

    private static Dictionary<string, OpenApiMediaType> PlainText() =>
        new() { ["text/plain"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } };
}
