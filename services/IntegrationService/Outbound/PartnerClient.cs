using System.Diagnostics;
using System.Net;
using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Bus.IntegrationService.Outbound;

/// <summary>The partner is unavailable now (timeouts, 5xx, 429, unreachable): transient, the queue's retries and redeliveries try again.</summary>
public sealed class PartnerUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// The partner's circuit is open: nothing was sent. Transient, so the task comes back with the queue's redelivery,
/// by which time the breaker lets a request through again.
/// </summary>
public sealed class PartnerCircuitOpenException(string message, Exception innerException) : Exception(message, innerException);

/// <summary>The partner answered and refused (a 4xx other than 408/429, or a redirect, which is never followed): another attempt would get the same.</summary>
public sealed class PartnerRejectedException(string message) : PermanentTaskException(message);

/// <summary>What a partner answered: kept in a task's result.</summary>
public sealed record PartnerResponse(int StatusCode, long DurationMs, string? ContentType, long ResponseBytes, bool Truncated, string Excerpt);

/// <summary>
/// Sends one request through a guarded, resilient client (<see cref="OutboundHttp"/>) and reads at most
/// <see cref="OutboundOptions.MaxResponseBytes"/> of the answer. Returns only for a 2xx answer; every other outcome is
/// one of the exceptions above, so each caller fails the same way. Messages name the host, never the URL (its query may
/// carry a token).
/// </summary>
public sealed class PartnerClient(IHttpClientFactory clients, IOptionsMonitor<OutboundOptions> options)
{
    private const int MinimumRedactedLength = 8;
    private static readonly HashSet<string> NegotiationHeaders = new(["Accept", "Accept-Encoding", "Accept-Language", "Accept-Charset", "User-Agent"], StringComparer.OrdinalIgnoreCase);

    public async Task<PartnerResponse> SendAsync(string client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URL", nameof(request));
        OutboundGuard.CheckScheme(uri);
        var host = uri.Authority;
        var settings = options.CurrentValue;
        var sentValues = SentHeaderValues(request);
        var started = Stopwatch.GetTimestamp();

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(client).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (BrokenCircuitException exception)
        {
            throw new PartnerCircuitOpenException($"The circuit for {host} is open after repeated failures: nothing was sent", exception);
        }
        catch (TimeoutRejectedException exception)
        {
            throw new PartnerUnavailableException($"{host} did not answer in time", exception);
        }
        catch (HttpRequestException exception) when (PartnerPolicies.Refusal(exception) is { } refused)
        {
            throw refused;
        }
        catch (HttpRequestException exception)
        {
            throw new PartnerUnavailableException($"{host} could not be reached: {exception.Message}", exception);
        }

        using (response)
        {
            var (bytes, truncated, excerpt) = await ReadBoundedAsync(response, settings, sentValues, cancellationToken);
            var answer = new PartnerResponse((int)response.StatusCode, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                response.Content.Headers.ContentType?.ToString(), bytes, truncated, excerpt);
            if (response.IsSuccessStatusCode)
                return answer;

            var said = excerpt.Length > 0 ? $": {Shorten(excerpt, 200)}" : "";
            if (PartnerPolicies.IsTransient(response.StatusCode))
            {
                var wait = PartnerPolicies.RetryAfter(response) is { } retryAfter ? $" (asks to retry after {retryAfter.TotalSeconds:0} s)" : "";
                throw new PartnerUnavailableException($"{host} answered {answer.StatusCode}{wait}{said}");
            }
            if ((int)response.StatusCode is >= 300 and < 400)
                throw new PartnerRejectedException($"{host} answered {answer.StatusCode} (redirects are not followed){said}");
            throw new PartnerRejectedException($"{host} answered {answer.StatusCode}{said}");
        }
    }

    private static async Task<(long Bytes, bool Truncated, string Excerpt)> ReadBoundedAsync(
        HttpResponseMessage response, OutboundOptions settings, IReadOnlyList<string> sentValues, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var kept = new MemoryStream();
        var buffer = new byte[16 * 1024];
        long total = 0;
        var excerptBytes = ResponseExcerpt.BytesToKeep(settings.ResponseExcerptLength);
        while (true)
        {
            var read = await body.ReadAsync(buffer, cancellationToken);
            if (read == 0)
                break;
            if (kept.Length < excerptBytes)
                kept.Write(buffer, 0, (int)Math.Min(read, excerptBytes - kept.Length));
            total += read;
            // The rest is never downloaded: disposing the response drops the connection.
            if (total > settings.MaxResponseBytes)
                return (settings.MaxResponseBytes, true, Excerpt(kept, cut: true));
        }
        return (total, false, Excerpt(kept, cut: total > kept.Length));

        string Excerpt(MemoryStream bytes, bool cut) =>
            ResponseExcerpt.From(bytes.GetBuffer().AsSpan(0, (int)bytes.Length), cut, sentValues, settings.ResponseExcerptLength);
    }

    /// <summary>
    /// What <see cref="ResponseExcerpt"/> keeps out of the excerpt: the request's header values (and a credential's part
    /// after its scheme). Content negotiation headers and short values (<c>gzip</c>) are left: they are not secrets and
    /// would blank out ordinary text. Longest first, so a value is not half-replaced by its own suffix.
    /// </summary>
    private static IReadOnlyList<string> SentHeaderValues(HttpRequestMessage request) =>
        [.. request.Headers
            .Where(header => !NegotiationHeaders.Contains(header.Key))
            .SelectMany(header => header.Value)
            .SelectMany(value => value.IndexOf(' ') is > 0 and var space ? new[] { value, value[(space + 1)..] } : [value])
            .Where(value => value.Length >= MinimumRedactedLength)
            .Distinct()
            .OrderByDescending(value => value.Length)];

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length];
}
