using System.Text.Json;
using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types.Integration;

/// <summary>
/// <c>api_integration</c>: one HTTP call to a partner. Which addresses may be called is IntegrationService's decision
/// (it resolves the name); here the request is checked for shape: an absolute http(s) URL without credentials, a
/// known method, header names and values HTTP allows, a bounded JSON payload.
/// </summary>
public sealed class ApiIntegrationTaskType : ITaskType
{
    private const int MaxEndpointLength = 2048;
    private const int MaxHeaders = 50;
    private const int MaxHeaderValueLength = 8192;
    private const int MaxPayloadBytes = 256 * 1024;

    private static readonly HashSet<string> Fields = ["endpoint", "method", "headers", "payload"];
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
    private static readonly string[] MethodsWithBody = ["POST", "PUT", "PATCH", "DELETE"];

    // The HTTP client owns framing and connection management; a task must not forge them.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Authorization", "Proxy-Connection", "Expect",
    };

    public TaskRoute Route => TaskRoutes.ApiIntegration;

    /// <summary>Credential-like header values (Authorization, tokens, API keys) and such fields anywhere in the payload.</summary>
    public IReadOnlyList<string> SensitiveFields { get; } =
        [$"headers.{SensitiveTaskData.CredentialName}", $"payload.{SensitiveTaskData.AnyDepth}.{SensitiveTaskData.CredentialName}"];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        endpoint = "https://api.example.com/webhook",
        method = "POST",
        headers = new Dictionary<string, string> { ["Authorization"] = "Bearer token" },
        payload = new { action = "sync" },
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var endpoint = reader.ReadString(data, "endpoint", required: true, MaxEndpointLength);
        var method = (reader.ReadString(data, "method", required: false, 10) ?? "POST").ToUpperInvariant();
        var headers = reader.ReadStringMap(data, "headers", MaxHeaders, MaxHeaderValueLength);
        var payload = data.TryGetProperty("payload", out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : (JsonElement?)null;

        CheckEndpoint(reader, endpoint);
        if (!Methods.Contains(method))
            reader.AddError(reader.PathOf("method"), $"'{method}' is not supported; expected one of: {string.Join(", ", Methods)}");
        CheckHeaders(reader, headers);
        if (payload is { } body)
        {
            if (!MethodsWithBody.Contains(method))
                reader.AddError(reader.PathOf("payload"), $"a {method} request has no body");
            else if (body.GetRawText().Length > MaxPayloadBytes)
                reader.AddError(reader.PathOf("payload"), $"must be at most {MaxPayloadBytes} bytes of JSON");
        }

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new CallPartnerApi(taskId, endpoint!, method, headers, payload));
    }

    private static void CheckEndpoint(JsonFieldReader reader, string? endpoint)
    {
        if (endpoint is null)
            return;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            reader.AddError(reader.PathOf("endpoint"), "must be an absolute http or https URL");
        else if (uri.UserInfo.Length > 0)
            reader.AddError(reader.PathOf("endpoint"), "must not carry credentials; send them in a header (e.g. Authorization), where they are protected");
    }

    private static void CheckHeaders(JsonFieldReader reader, IReadOnlyDictionary<string, string>? headers)
    {
        foreach (var (name, headerValue) in headers ?? new Dictionary<string, string>())
        {
            var path = $"{reader.PathOf("headers")}.{name}";
            if (name.Length is 0 or > 256 || !name.All(IsTokenChar))
                reader.AddError(path, "is not a valid header name");
            else if (ReservedHeaders.Contains(name))
                reader.AddError(path, "is set by the HTTP client and cannot be given");
            if (headerValue.Any(c => c is '\r' or '\n' or '\0'))
                reader.AddError(path, "must not contain line breaks or NUL");
        }
    }

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
        || "!#$%&'*+-.^_`|~".Contains(c);
}
