using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Bus.Cli;

/// <summary>An answer of the Gateway: its status and body, the body parsed when it is JSON.</summary>
public sealed record ApiAnswer(int Status, string Body)
{
    public JsonElement Json => string.IsNullOrWhiteSpace(Body) ? default : JsonDocument.Parse(Body).RootElement;
}

/// <summary>A request that did not succeed, as the one line <c>bus</c> prints on standard error and its exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}

/// <summary>The Gateway's HTTP API, nothing else: every failure becomes a <see cref="CliException"/> with the problem's text.</summary>
public sealed class GatewayClient(Uri baseAddress, string? token) : IDisposable
{
    private readonly HttpClient _http = Create(baseAddress, token);

    public Uri BaseAddress => _http.BaseAddress!;

    public Task<ApiAnswer> GetAsync(string path, CancellationToken cancellationToken, params int[] alsoAccepted) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken, alsoAccepted);

    public Task<ApiAnswer> PostAsync(string path, string? json, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, json, cancellationToken);

    public Task<ApiAnswer> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>Success (2xx, or a status in <paramref name="alsoAccepted"/>) or a <see cref="CliException"/>.</summary>
    public async Task<ApiAnswer> SendAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken, params int[] alsoAccepted)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new CliException(ExitCodes.Unavailable, $"cannot reach the Gateway at {BaseAddress}: {exception.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unavailable, $"the Gateway at {BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode || alsoAccepted.Contains(status))
                return new ApiAnswer(status, body);
            var hint = status == 401 ? " — set --token or BUS_TOKEN (`bus token --role admin` mints a development token)" : "";
            throw new CliException(ExitCodes.ForStatus(status), $"{method} /{path.TrimStart('/')}: {Problem.Describe(status, response.ReasonPhrase, body)}{hint}");
        }
    }

    public void Dispose() => _http.Dispose();

    private static HttpClient Create(Uri baseAddress, string? token)
    {
        // A relative path must extend the base address's path (a Gateway behind /bus/), so it ends with '/'.
        var root = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        var http = new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("bus-cli", "1.0"));
        if (!string.IsNullOrWhiteSpace(token))
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        return http;
    }
}

/// <summary>An RFC 7807 problem (or any error body) in one line: status, title, detail, then each field's errors.</summary>
public static class Problem
{
    public static string Describe(int status, string? reason, string body)
    {
        var text = new StringBuilder($"{status}");
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                text.Append(' ').Append(root.Text("title") ?? reason);
                if (root.Text("detail") is { } detail)
                    text.Append(": ").Append(detail);
                if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                    text.Append(" (").AppendJoin("; ", errors.EnumerateObject().Select(e => $"{e.Name}: {string.Join(", ", Messages(e.Value))}")).Append(')');
                return text.ToString();
            }
        }
        catch (JsonException)
        {
        }
        text.Append(' ').Append(reason);
        var plain = body.ReplaceLineEndings(" ").Trim();
        if (plain.Length > 0)
            text.Append(": ").Append(plain.Length > 200 ? plain[..200] + "…" : plain);
        return text.ToString();
    }

    private static IEnumerable<string> Messages(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? value.EnumerateArray().Select(m => m.ToString())
        : [value.ToString()];
}
