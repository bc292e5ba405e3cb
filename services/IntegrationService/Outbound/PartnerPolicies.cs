using System.Net;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Bus.IntegrationService.Outbound;

/// <summary>Which outcomes of an outbound request are worth another try, and how long a partner asks to be left alone.</summary>
public static class PartnerPolicies
{
    /// <summary>
    /// The partner is unavailable right now (timeout, connection failure, 408, 429, 5xx): counts against its circuit and
    /// may be retried. Any other answer is the partner's word, and a refused address is ours: neither changes on retry.
    /// </summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: { } exception } => IsTransient(exception),
        { Result: { } response } => IsTransient(response.StatusCode),
        _ => false,
    };

    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>
    /// Retried inside the attempt: a transient outcome, unless the partner asks to wait longer than
    /// <paramref name="maxRetryAfter"/> (the queue's redelivery waits instead) or its circuit is open (nothing is sent).
    /// </summary>
    public static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter) =>
        IsTransient(outcome) && !(outcome.Result is { } response && RetryAfter(response) > maxRetryAfter);

    /// <summary>The wait a 429 or 503 asks for (Retry-After in seconds or as a date), or null.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
            return delta;
        if (header?.Date is { } date)
            return date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        return null;
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        BrokenCircuitException => false,
        TimeoutRejectedException => true,
        HttpRequestException when Refusal(exception) is not null => false,
        HttpRequestException => true,
        _ => false,
    };

    /// <summary>The guard's refusal, however deep the HTTP handler wrapped it.</summary>
    public static OutboundRefusedException? Refusal(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is OutboundRefusedException refused)
                return refused;
        }
        return null;
    }
}
