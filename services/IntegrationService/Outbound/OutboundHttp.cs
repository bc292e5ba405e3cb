using Bus.ServiceDefaults;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Bus.IntegrationService.Outbound;

/// <summary>The two HTTP clients every outbound call goes through, both behind <see cref="OutboundGuard"/>.</summary>
public static class OutboundHttp
{
    /// <summary>Partners (<c>api_integration</c>, the SMS provider): retries, a circuit breaker and timeouts per host.</summary>
    public const string Partner = "partner";

    /// <summary>Slack's webhook: a fixed number of attempts at a fixed interval, no breaker (one host, and alerts must not wait behind it).</summary>
    public const string Slack = "slack";

    public static IHostApplicationBuilder AddOutboundHttp(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<OutboundOptions>(OutboundOptions.Section);
        builder.AddValidatedOptions<SlackOptions>(SlackOptions.Section);
        builder.Services.AddSingleton<OutboundGuard>();
        builder.Services.AddSingleton<PartnerClient>();

        builder.Services.AddHttpClient(Partner, ConfigureClient)
            .ConfigurePrimaryHttpMessageHandler(GuardedHandler)
            .AddResilienceHandler(Partner, (pipeline, context) =>
                AddPartnerStrategies(pipeline, context.ServiceProvider.GetRequiredService<IOptionsMonitor<OutboundOptions>>().CurrentValue))
            .SelectPipelineByAuthority();

        builder.Services.AddHttpClient(Slack, ConfigureClient)
            .ConfigurePrimaryHttpMessageHandler(GuardedHandler)
            .AddResilienceHandler(Slack, (pipeline, context) =>
                AddSlackStrategies(pipeline, context.ServiceProvider.GetRequiredService<IOptionsMonitor<SlackOptions>>().CurrentValue));
        return builder;
    }

    /// <summary>Outer to inner: retry (honouring Retry-After) → circuit breaker → timeout of each request.</summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddPartnerStrategies(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, OutboundOptions options)
    {
        var breaker = options.CircuitBreaker;
        return pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(options.MaxRetryAttempts, 1),
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(options.MaxRetryAttempts > 0 && PartnerPolicies.ShouldRetry(args.Outcome, options.MaxRetryAfter)),
            })
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(PartnerPolicies.IsTransient(args.Outcome)),
            })
            .AddTimeout(options.AttemptTimeout);
    }

    public static ResiliencePipelineBuilder<HttpResponseMessage> AddSlackStrategies(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, SlackOptions options) =>
        pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(options.Attempts - 1, 1),
                Delay = options.AttemptDelay,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(options.Attempts > 1 && PartnerPolicies.IsTransient(args.Outcome)),
            })
            .AddTimeout(options.AttemptTimeout);

    // The pipeline's timeouts govern; the client's own would cut retries short.
    private static void ConfigureClient(HttpClient client) => client.Timeout = Timeout.InfiniteTimeSpan;

    private static SocketsHttpHandler GuardedHandler(IServiceProvider services) => new()
    {
        ConnectCallback = services.GetRequiredService<OutboundGuard>().ConnectAsync,
        // A redirect or a proxy would take the request somewhere the guard did not choose.
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };
}
