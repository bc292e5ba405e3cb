using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bus.Gateway.Tasks.Types;
using Bus.IntegrationTests.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.IntegrationTests.OpenApi;

/// <summary>The OpenAPI document and the /docs reference, read from a running Gateway and checked against its endpoints.</summary>
[Collection(SecuredGatewayCollection.Name)]
public sealed partial class ApiDocumentationTests(SecuredGatewayFixture fixture)
{
    /// <summary>
    /// Not API operations: the document itself, the reference UI's files, SignalR's transport endpoints, Prometheus'
    /// scrape endpoint (deploy/README.md, Metrics).
    /// </summary>
    private static readonly string[] Undocumented = ["/openapi/", "/docs", "/hubs/", "/metrics"];

    [Fact]
    public async Task The_document_lists_every_mapped_endpoint()
    {
        var document = await DocumentAsync();
        var documented = Operations(document).Select(o => $"{o.Method} {o.Path}").ToHashSet();

        var mapped = fixture.Gateway.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Path: Normalize(e.RoutePattern.RawText!), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]))
            .Where(e => !Undocumented.Any(prefix => e.Path.StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(e => e.Methods.Where(m => m != "OPTIONS").Select(m => $"{m} {e.Path}"))
            .ToHashSet();

        Assert.NotEmpty(mapped);
        Assert.Empty(mapped.Except(documented));
        Assert.Contains("POST /tasks", documented);
        Assert.Contains("GET /health/ready", documented);
    }

    [Fact]
    public async Task Every_operation_has_a_summary_and_its_security_answers()
    {
        var document = await DocumentAsync();
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());

        foreach (var (method, path, operation) in Operations(document))
        {
            var name = $"{method} {path}";
            Assert.False(string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var summary) ? summary.GetString() : null), $"{name} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(operation.TryGetProperty("description", out var description) ? description.GetString() : null), $"{name} has no description");
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.Contains(responses, r => r.StartsWith('2'));
            if (path.StartsWith("/health", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("401", responses);
                Assert.DoesNotContain("429", responses);
                continue;
            }
            if (path == "/dashboard/sign-in")
            {
                // Anonymous by nature (it hands out tokens), but rate limited like the rest.
                Assert.False(operation.TryGetProperty("security", out _), $"{name} declares a security requirement");
                Assert.Contains("429", responses);
                continue;
            }
            Assert.True(operation.TryGetProperty("security", out _), $"{name} declares no security requirement");
            Assert.Contains("401", responses);
            Assert.Contains("403", responses);
            Assert.Contains("429", responses);
            Assert.True(operation.GetProperty("responses").GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _), $"{name}: 429 without Retry-After");
        }
    }

    [Fact]
    public async Task Submitting_a_task_shows_a_valid_example_for_every_task_type()
    {
        var document = await DocumentAsync();
        var body = document.GetProperty("paths").GetProperty("/tasks").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        Assert.Equal("#/components/schemas/TaskSubmissionBody", body.GetProperty("schema").GetProperty("$ref").GetString());
        var examples = body.GetProperty("examples");
        var types = fixture.Gateway.Factory.Services.GetRequiredService<IEnumerable<ITaskType>>().ToList();

        Assert.NotEmpty(types);
        foreach (var type in types)
        {
            Assert.True(examples.TryGetProperty(type.Route.Type, out var example), $"no example for {type.Route.Type}");
            var value = example.GetProperty("value");
            Assert.Equal(type.Route.Type, value.GetProperty("type").GetString());
            var command = type.CreateCommand(Guid.NewGuid(), value.GetProperty("data"));
            Assert.True(command.IsValid, $"the {type.Route.Type} example is not valid: {string.Join("; ", command.Errors.Select(e => e.Key))}");
        }
    }

    [Fact]
    public async Task The_reference_page_loads_no_script_or_style_from_another_host()
    {
        using var client = fixture.Gateway.Anonymous();

        var response = await client.GetAsync("/docs/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var sources = ScriptOrStyleSource().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(sources);
        Assert.DoesNotContain(sources, s => s.StartsWith("http:", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https:", StringComparison.OrdinalIgnoreCase) || s.StartsWith("//", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"https?://[^""'\s]*(cdn|fonts)", html);
        foreach (var source in sources)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(new Uri(client.BaseAddress!, "/docs/"), source))).StatusCode);
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var client = fixture.Gateway.Anonymous();
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(op => op.Name is "get" or "post" or "put" or "patch" or "delete")
            .Select(op => (op.Name.ToUpperInvariant(), path.Name, op.Value)));

    /// <summary><c>tasks/{id:guid}</c> → <c>/tasks/{id}</c>, as OpenAPI writes paths.</summary>
    private static string Normalize(string pattern) =>
        "/" + RouteParameter().Replace(pattern.Trim('/'), "{${name}}");

    [GeneratedRegex(@"\{\*{0,2}(?<name>\w+)[^}]*\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[""'](?<url>[^""']+)[""']", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptOrStyleSource();
}
