using Bus.Gateway.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Bus.Gateway.Security;

/// <summary>
/// Counts each client's requests in Redis, so every Gateway replica enforces one shared limit; over it, a 429 problem
/// with <c>Retry-After</c>. Health probes and Prometheus' scrapes are never limited. Redis being unreachable lets requests through (with a
/// warning): an outage of the limiter must not become an outage of the API.
/// </summary>
public sealed class RedisRateLimiter(
    RequestDelegate next,
    IConnectionMultiplexer redis,
    IOptions<RateLimitingOptions> options,
    IOptions<RedisOptions> redisOptions,
    IProblemDetailsService problems,
    ILogger<RedisRateLimiter> logger)
{
    // A fixed window, counted with one atomic script (INCR, PEXPIRE on the first hit): one round trip and one key per
    // client, where a sliding log would store every request. Its cost, up to twice the limit across a window boundary,
    // is acceptable for abuse protection.
    private static readonly LuaScript CountScript = LuaScript.Prepare("""
        local count = redis.call('INCR', @key)
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then
          redis.call('PEXPIRE', @key, @window)
          ttl = tonumber(@window)
        end
        return { count, ttl }
        """);

    private static readonly TimeSpan RedisTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);
    private long _lastWarningTicks;

    public async Task InvokeAsync(HttpContext http)
    {
        var settings = options.Value;
        if (!settings.Enabled || IsExempt(http.Request.Path))
        {
            await next(http);
            return;
        }

        var admin = http.User.IsInRole(GatewayRoles.Admin);
        var limit = admin ? settings.AdminPermitLimit ?? settings.PermitLimit : settings.PermitLimit;
        var counted = await CountAsync(ClientKey(http), settings.Window);
        if (counted is { Count: var count, Reset: var reset } && count > limit)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(reset.TotalSeconds));
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = $"At most {limit} requests per {settings.Window.TotalSeconds:0.#} s per client; retry in {seconds} s.",
                },
            });
            return;
        }
        await next(http);
    }

    public static bool IsExempt(PathString path) =>
        path.Equals("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/health")
        || path.StartsWithSegments(ServiceDefaults.Extensions.MetricsPath);

    /// <summary>One warning per <see cref="WarningInterval"/>, not one per request, while Redis is away.</summary>
    private bool ShouldWarn()
    {
        var now = DateTime.UtcNow.Ticks;
        var last = Interlocked.Read(ref _lastWarningTicks);
        return now - last >= WarningInterval.Ticks && Interlocked.CompareExchange(ref _lastWarningTicks, now, last) == last;
    }

    /// <summary>The token's subject when authenticated, otherwise the remote address.</summary>
    private string ClientKey(HttpContext http)
    {
        var subject = http.User.Identity?.IsAuthenticated == true ? http.User.FindFirst(GatewayAuthentication.SubjectClaim)?.Value : null;
        var client = subject is { Length: > 0 } ? $"sub:{subject}" : $"ip:{http.Connection.RemoteIpAddress}";
        return $"{redisOptions.Value.KeyPrefix}ratelimit:{client}";
    }

    private async Task<(long Count, TimeSpan Reset)?> CountAsync(string key, TimeSpan window)
    {
        if (!redis.IsConnected)
        {
            if (ShouldWarn())
                logger.LogWarning("Rate limiting skipped: Redis is not connected");
            return null;
        }
        try
        {
            var result = (RedisResult[]?)await redis.GetDatabase()
                .ScriptEvaluateAsync(CountScript, new { key = (RedisKey)key, window = (long)window.TotalMilliseconds })
                .WaitAsync(RedisTimeout);
            return result is [var count, var ttl] ? ((long)count, TimeSpan.FromMilliseconds((long)ttl)) : null;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            if (ShouldWarn())
                logger.LogWarning(exception, "Rate limiting skipped: Redis did not answer");
            return null;
        }
    }
}
