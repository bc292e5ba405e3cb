using System.Text;
using Bus.Gateway.Api;

namespace Bus.UnitTests.Api;

public sealed class SubmitTaskRequestTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_body_of_the_system_we_replace_parses_as_written()
    {
        var (request, errors) = Parse("""{"type":"email_notification","priority":10,"data":{"to":["user@example.com"],"subject":"Test Email","body":"This is a test email"}}""");

        Assert.Empty(errors);
        Assert.Equal("email_notification", request!.Type);
        Assert.Equal(10, request.Priority);
        Assert.Null(request.RunAt);
    }

    [Theory]
    [InlineData("""{"type":"t","data":{},"runAt":"2026-11-25T15:00:00Z"}""", "2026-11-25T15:00:00Z")]
    [InlineData("""{"type":"t","data":{},"runAt":"2026-11-25T12:00:00-03:00"}""", "2026-11-25T15:00:00Z")]
    [InlineData("""{"type":"t","data":{},"delay":90000}""", "2026-11-25T12:01:30Z")]
    public void RunAt_and_delay_become_a_utc_instant(string body, string expected)
    {
        var (request, errors) = Parse(body);

        Assert.Empty(errors);
        Assert.Equal(DateTime.Parse(expected, null, System.Globalization.DateTimeStyles.AdjustToUniversal), request!.RunAt);
        Assert.Equal(DateTimeKind.Utc, request.RunAt!.Value.Kind);
    }

    [Theory]
    [InlineData("""{"type":"t","data":{},"runAt":"2026-11-25T15:00:00"}""", "runAt")]
    [InlineData("""{"type":"t","data":{},"runAt":"tomorrow"}""", "runAt")]
    [InlineData("""{"type":"t","data":{},"runAt":"2030-01-01T00:00:00Z"}""", "runAt")]
    [InlineData("""{"type":"t","data":{},"delay":-1}""", "delay")]
    [InlineData("""{"type":"t","data":{},"delay":"5s"}""", "delay")]
    [InlineData("""{"type":"t","data":{},"delay":1000,"runAt":"2026-11-25T15:00:00Z"}""", "delay")]
    [InlineData("""{"type":"t","data":{},"color":"red"}""", "color")]
    [InlineData("""{"type":"t"}""", "data")]
    [InlineData("""[1,2]""", "")]
    [InlineData("""{"type":"t","data":{},"priority":"high"}""", "priority")]
    [InlineData("""{"type":"t","data":{},"timeout":0}""", "timeout")]
    [InlineData("""{"type":"t","data":{},"timeout":99}""", "timeout")]
    [InlineData("""{"type":"t","data":{},"timeout":604800001}""", "timeout")]
    [InlineData("""{"type":"t","data":{},"timeout":"1s"}""", "timeout")]
    [InlineData("""{"type":"t","data":{},"timeout":1.5}""", "timeout")]
    public void Bad_fields_are_named(string body, string field)
    {
        var (request, errors) = Parse(body);

        Assert.Null(request);
        Assert.Contains(field, errors.Keys);
    }

    [Theory]
    [InlineData("""{"type":"t","data":{},"timeout":1000}""", 1000)]
    [InlineData("""{"type":"t","data":{},"timeout":null}""", null)]
    [InlineData("""{"type":"t","data":{}}""", null)]
    public void A_timeout_in_milliseconds_is_the_task_s_own_and_absent_means_its_type_s_default(string body, int? milliseconds)
    {
        var (request, errors) = Parse(body);

        Assert.Empty(errors);
        Assert.Equal(milliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : null, request!.Timeout);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_an_error_not_a_crash()
    {
        var deep = new string('[', 200) + new string(']', 200);

        var (request, errors) = Parse($$"""{"type":"t","data":{{deep}}}""");

        Assert.Null(request);
        Assert.Contains("body", errors.Keys);
    }

    private static (SubmitTaskRequest? Request, IReadOnlyDictionary<string, string[]> Errors) Parse(string json) =>
        SubmitTaskRequest.Parse(Encoding.UTF8.GetBytes(json), Now);
}
