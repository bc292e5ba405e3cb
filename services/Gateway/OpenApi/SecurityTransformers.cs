using Bus.Gateway.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bus.Gateway.OpenApi;

/// <summary>The bearer scheme, declared once for the document.</summary>
public sealed class BearerSchemeTransformer : IOpenApiDocumentTransformer
{
    public const string Scheme = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = $"A JWT whose `role` claims name {string.Join(", ", GatewayRoles.All)}. " +
                "For development: `dotnet Bus.Gateway.dll token --role admin` (scripts/run prints one).",
        };
        return Task.CompletedTask;
    }
}

/// <summary>
/// Per operation, from its endpoint's metadata: the bearer requirement, the roles it needs, and the 401, 403 and 429
/// answers the security middleware gives before the handler runs.
/// </summary>
public sealed class SecurityResponsesTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().ToList();
        var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        operation.Responses ??= new OpenApiResponses();

        if (!anonymous)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSchemeTransformer.Scheme, context.Document)] = [] }];
            operation.Description = $"{operation.Description}\n\nRequires a bearer token{(policies.Count > 0 ? $" with the role {string.Join(" or ", policies)} (or a higher one)" : "")}.".TrimStart();
            operation.Responses.TryAdd("401", Problem("No token, or a token that is expired, badly signed or for another issuer/audience.", problem));
            if (policies.Count > 0)
                operation.Responses.TryAdd("403", Problem("The token's roles do not allow this operation.", problem));
        }
        if (!RedisRateLimiter.IsExempt("/" + context.Description.RelativePath))
        {
            var tooMany = Problem("Over RateLimiting:PermitLimit requests in the window for this client.", problem);
            tooMany.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader { Description = "Seconds until the window resets.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
            };
            operation.Responses.TryAdd("429", tooMany);
        }
    }

    private static OpenApiResponse Problem(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
    };
}
