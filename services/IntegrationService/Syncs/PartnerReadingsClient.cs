using System.Globalization;
using System.Net;
using System.Text.Json;
using Bus.ServiceDefaults.Messaging;

namespace Bus.IntegrationService.Syncs;

/// <summary>Reads one page of a partner's readings: <c>GET {Url}?since=…&amp;page=n&amp;pageSize=…</c>.</summary>
public sealed class PartnerReadingsClient(IHttpClientFactory clients)
{
    public const string HttpClientName = "partner-syncs";

    public async Task<IReadOnlyList<PartnerReading>> GetPageAsync(
        string source, PartnerSyncEndpoint endpoint, DateTimeOffset? since, int page, CancellationToken cancellationToken)
    {
        var query = $"page={page}&pageSize={endpoint.PageSize}";
        if (since is { } from)
            query = $"since={Uri.EscapeDataString(from.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}&{query}";
        var url = new UriBuilder(endpoint.Url) { Query = query }.Uri;

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (!string.IsNullOrEmpty(endpoint.AuthValue))
            request.Headers.TryAddWithoutValidation(endpoint.AuthHeader, endpoint.AuthValue);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(endpoint.Timeout);

        var http = clients.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            var reason = $"{source} answered {(int)response.StatusCode} {response.ReasonPhrase} for page {page}";
            // A partner that refuses us (bad credentials, wrong URL) will refuse the next attempt too; 408, 429 and 5xx may pass.
            throw (int)response.StatusCode is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                ? new PermanentTaskException(reason)
                : new HttpRequestException(reason, null, response.StatusCode);
        }

        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        using var bounded = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(buffer, timeout.Token)) > 0)
        {
            if (bounded.Length + read > endpoint.MaxPageBytes)
                throw new PermanentTaskException($"{source} page {page} is larger than {endpoint.MaxPageBytes} bytes");
            bounded.Write(buffer, 0, read);
        }
        bounded.Position = 0;
        try
        {
            using var document = await JsonDocument.ParseAsync(bounded, cancellationToken: timeout.Token);
            return PartnerReading.ParsePage(document.RootElement, page);
        }
        catch (JsonException exception)
        {
            throw new PermanentTaskException($"{source} page {page} is not valid JSON: {exception.Message}", exception);
        }
    }
}
