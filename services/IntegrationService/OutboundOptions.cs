using System.ComponentModel.DataAnnotations;

namespace Bus.IntegrationService;

/// <summary>How every outbound call is made and guarded, bound from <c>Integration:Outbound</c>.</summary>
public sealed class OutboundOptions
{
    public const string Section = "Integration:Outbound";

    /// <summary>
    /// Host names (exact, any case) or networks (<c>10.1.0.0/16</c>, <c>127.0.0.1/32</c>) that may be called although they
    /// are loopback, link-local, private or otherwise internal. Empty: only public addresses are called.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>A response body is read up to this many bytes; the rest is never downloaded.</summary>
    [Range(1024, 64L << 20, ErrorMessage = "Integration:Outbound:MaxResponseBytes must be between 1024 and 67108864")]
    public long MaxResponseBytes { get; set; } = 1 << 20;

    /// <summary>How much of a response body a task's result (or failure reason) quotes.</summary>
    [Range(0, 16384, ErrorMessage = "Integration:Outbound:ResponseExcerptLength must be between 0 and 16384")]
    public int ResponseExcerptLength { get; set; } = 1024;

    /// <summary>One request, from connecting to the response headers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Integration:Outbound:AttemptTimeout must be between 00:00:00.100 and 00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first request, for timeouts, connection failures, 408, 429 and 5xx.</summary>
    [Range(0, 10, ErrorMessage = "Integration:Outbound:MaxRetryAttempts must be between 0 and 10")]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first retry's wait (then doubling, with jitter) when the partner does not say how long with Retry-After.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Integration:Outbound:RetryDelay must be between 00:00:00 and 00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest Retry-After waited for inside an attempt. A partner asking for longer gets no retry here: the attempt
    /// fails as transient and the queue's redelivery brings the task back later, without holding a slot meanwhile.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Integration:Outbound:MaxRetryAfter must be between 00:00:00 and 00:10:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();
}

/// <summary>One breaker per partner host (scheme, name and port): it opens when a share of recent requests failed.</summary>
public sealed class CircuitBreakerSettings
{
    [Range(0.01, 1.0, ErrorMessage = "Integration:Outbound:CircuitBreaker:FailureRatio must be between 0.01 and 1")]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Requests within <see cref="SamplingDuration"/> before the ratio counts: five failed requests open it.</summary>
    [Range(2, 1000, ErrorMessage = "Integration:Outbound:CircuitBreaker:MinimumThroughput must be between 2 and 1000")]
    public int MinimumThroughput { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00", ErrorMessage = "Integration:Outbound:CircuitBreaker:SamplingDuration must be between 00:00:00.500 and 01:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the host is left alone before one request tries it again (half-open).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00", ErrorMessage = "Integration:Outbound:CircuitBreaker:BreakDuration must be between 00:00:00.500 and 01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
