using System.Text.Json;
using Bus.Contracts.Noop;
using Bus.Gateway.Tasks.Types;

namespace Bus.UnitTests.Tasks;

public sealed class NoopTaskTypeTests
{
    [Fact]
    public void Every_field_is_optional_and_read_into_the_command()
    {
        var empty = Assert.IsType<RunNoop>(new NoopTaskType().CreateCommand(Guid.NewGuid(), Json("{}")).Command);
        var full = Assert.IsType<RunNoop>(new NoopTaskType().CreateCommand(Guid.NewGuid(), Json("""{"sleepMs":5,"failRate":0.25,"payloadBytes":64}""")).Command);

        Assert.Equal((0, 0.0, 0), (empty.SleepMs, empty.FailRate, empty.PayloadBytes));
        Assert.Equal((5, 0.25, 64), (full.SleepMs, full.FailRate, full.PayloadBytes));
    }

    [Theory]
    [InlineData("""{"sleepMs":-1}""", "data.sleepMs")]
    [InlineData("""{"sleepMs":600000}""", "data.sleepMs")]
    [InlineData("""{"failRate":1.5}""", "data.failRate")]
    [InlineData("""{"failRate":"often"}""", "data.failRate")]
    [InlineData("""{"payloadBytes":2000000}""", "data.payloadBytes")]
    [InlineData("""{"colour":"red"}""", "data.colour")]
    public void A_bad_field_is_named(string data, string field)
    {
        var result = new NoopTaskType().CreateCommand(Guid.NewGuid(), Json(data));

        Assert.False(result.IsValid);
        Assert.Contains(field, result.Errors.Keys);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
