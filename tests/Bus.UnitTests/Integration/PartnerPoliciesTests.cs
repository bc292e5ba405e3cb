extern alias integration;
using System.Net;
using integration::Bus.IntegrationService;
using integration::Bus.IntegrationService.Outbound;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Bus.UnitTests.Integration;

public sealed class PartnerPoliciesTests
{
    [Theory]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(422, false)]
    [InlineData(200, false)]
    public void Only_timeouts_throttling_and_server_errors_are_transient(int status, bool transient) =>
        Assert.Equal(transient, PartnerPolicies.IsTransient(Outcome.FromResult(new HttpResponseMessage((HttpStatusCode)status))));

    [Fact]
    public void Connection_failures_and_timeouts_are_transient_but_a_refused_address_and_an_open_circuit_are_not()
    {
        Assert.True(PartnerPolicies.IsTransient(Outcome.FromException<HttpResponseMessage>(new HttpRequestException("connection refused"))));
        Assert.True(PartnerPolicies.IsTransient(Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException())));
        Assert.False(PartnerPolicies.IsTransient(Outcome.FromException<HttpResponseMessage>(
            new HttpRequestException("connect failed", new OutboundRefusedException("internal")))));
        Assert.False(PartnerPolicies.IsTransient(Outcome.FromException<HttpResponseMessage>(new BrokenCircuitException())));
    }

    [Fact]
    public void A_429_asking_for_longer_than_the_limit_is_left_to_redelivery()
    {
        var soon = Throttled(TimeSpan.FromSeconds(2));
        var late = Throttled(TimeSpan.FromSeconds(120));

        Assert.True(PartnerPolicies.ShouldRetry(Outcome.FromResult(soon), TimeSpan.FromSeconds(60)));
        Assert.False(PartnerPolicies.ShouldRetry(Outcome.FromResult(late), TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.FromSeconds(120), PartnerPolicies.RetryAfter(late));
    }

    [Fact]
    public async Task A_500_is_retried_and_a_400_is_not()
    {
        var pipeline = Pipeline(new OutboundOptions { MaxRetryAttempts = 3, RetryDelay = TimeSpan.Zero });

        var serverErrors = new Partner(HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.OK);
        var answer = await pipeline.ExecuteAsync(serverErrors.Answer);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(3, serverErrors.Calls);

        var badRequest = new Partner(HttpStatusCode.BadRequest, HttpStatusCode.OK);
        answer = await pipeline.ExecuteAsync(badRequest.Answer);
        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal(1, badRequest.Calls);
    }

    [Fact]
    public async Task Five_failures_open_the_circuit_and_nothing_is_sent_until_it_half_opens()
    {
        var time = new FakeTimeProvider();
        var options = new OutboundOptions { MaxRetryAttempts = 0, CircuitBreaker = { BreakDuration = TimeSpan.FromSeconds(30) } };
        var pipeline = Pipeline(options, time);
        var partner = new Partner(Enumerable.Repeat(HttpStatusCode.ServiceUnavailable, 5).Append(HttpStatusCode.OK).ToArray());

        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await pipeline.ExecuteAsync(partner.Answer)).StatusCode);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => pipeline.ExecuteAsync(partner.Answer).AsTask());
        Assert.Equal(5, partner.Calls);

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.OK, (await pipeline.ExecuteAsync(partner.Answer)).StatusCode);
        Assert.Equal(6, partner.Calls);
    }

    [Fact]
    public async Task A_retry_waits_as_long_as_Retry_After_says()
    {
        var time = new FakeTimeProvider();
        var pipeline = Pipeline(new OutboundOptions { MaxRetryAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(1) }, time);
        var partner = new Partner([Throttled(TimeSpan.FromSeconds(3)), new HttpResponseMessage(HttpStatusCode.OK)]);

        var run = Task.Run(() => pipeline.ExecuteAsync(partner.Answer).AsTask());
        await Until(() => partner.Calls == 1);
        var advanced = TimeSpan.Zero;
        while (partner.Calls < 2 && advanced < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
            time.Advance(TimeSpan.FromMilliseconds(500));
            advanced += TimeSpan.FromMilliseconds(500);
        }

        Assert.Equal(HttpStatusCode.OK, (await run).StatusCode);
        Assert.True(advanced >= TimeSpan.FromSeconds(3), $"retried after {advanced} of the 3 s asked for");
    }

    private static ResiliencePipeline<HttpResponseMessage> Pipeline(OutboundOptions options, TimeProvider? time = null)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (time is not null)
            builder.TimeProvider = time;
        return OutboundHttp.AddPartnerStrategies(builder, options).Build();
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            Assert.True(waited < 10_000, "timed out");
            await Task.Delay(20);
        }
    }

    private static HttpResponseMessage Throttled(TimeSpan retryAfter)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(retryAfter);
        return response;
    }

    private sealed class Partner
    {
        private readonly Queue<HttpResponseMessage> _answers;

        public Partner(params HttpStatusCode[] statuses) => _answers = new(statuses.Select(s => new HttpResponseMessage(s)));

        public Partner(HttpResponseMessage[] answers) => _answers = new(answers);

        public int Calls { get; private set; }

        public ValueTask<HttpResponseMessage> Answer(CancellationToken cancellationToken)
        {
            Calls++;
            return ValueTask.FromResult(_answers.Dequeue());
        }
    }
}
