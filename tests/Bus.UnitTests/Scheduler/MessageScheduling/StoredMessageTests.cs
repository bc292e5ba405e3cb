extern alias scheduler;

using System.Text.Json;
using MassTransit;
using scheduler::Bus.Scheduler.MessageScheduling;

namespace Bus.UnitTests.Scheduler.MessageScheduling;

public sealed class StoredMessageTests
{
    [Fact]
    public void Job_data_holds_only_strings_and_reads_back_the_same_message()
    {
        var message = new StoredMessage(
            new Uri("rabbitmq://rabbit/bus/email"),
            ["urn:message:Bus.Contracts.Email:SendEmail", "urn:message:Bus.Contracts.Tasks:ITaskCommand"],
            """{"taskId":"0c6f7cf4-5d1d-4d0e-8a7e-8a2fb0c1a001","to":["a@example.com"]}""",
            TokenId: Guid.NewGuid(),
            MessageId: Guid.NewGuid(),
            CorrelationId: Guid.NewGuid(),
            ConversationId: Guid.NewGuid(),
            InitiatorId: Guid.NewGuid(),
            RequestId: null,
            SourceAddress: new Uri("rabbitmq://rabbit/bus/email"),
            ResponseAddress: null,
            FaultAddress: new Uri("rabbitmq://rabbit/bus/task-faults"),
            ExpirationTime: new DateTime(2026, 11, 26, 8, 30, 15, 123, DateTimeKind.Utc),
            Headers: """{"MT-Redelivery-Count":2,"X-Tenant":"acme"}""",
            TransportProperties: """{"RMQ-Priority":5}""");

        var data = message.ToJobData();
        var read = StoredMessage.FromJobData(data);

        // Quartz stores job data as strings only (StoreJobDataAsStrings): one other value and scheduling fails.
        Assert.All(data.Values, value => Assert.IsType<string>(value));
        Assert.Equal(message.MessageTypes, read.MessageTypes);
        Assert.Equal(message with { MessageTypes = read.MessageTypes }, read);
    }

    [Fact]
    public void Absent_ids_and_addresses_stay_absent()
    {
        var message = new StoredMessage(new Uri("queue:email"), ["urn:message:X:Y"], "{}", null, null, null, null, null, null, null, null, null, null, "{}", null);

        var data = message.ToJobData();

        Assert.Equal(["body", "destination", "headers", "messageTypes"], data.Keys.Order());
        var read = StoredMessage.FromJobData(data);
        Assert.Equal(message with { MessageTypes = read.MessageTypes }, read);
    }

    [Fact]
    public void Headers_come_back_as_the_primitive_values_MassTransit_reads()
    {
        // As a consumed envelope's headers arrive: JSON elements, not ints and strings.
        var consumed = JsonSerializer.Deserialize<Dictionary<string, object>>(
            """{"MT-Redelivery-Count":3,"MT-Fault-Timestamp":"2026-11-25T10:00:00Z","X-Big":9007199254740993,"X-Ratio":0.25,"X-Flag":true,"X-List":[1,2],"X-Null":null}""")!;
        consumed["X-Guid"] = Guid.Parse("5b0b8f3e-9f6a-4a36-9d55-0f0f4d1b8c11");

        var headers = HeaderValues.Read(HeaderValues.Write(consumed!)).ToDictionary();

        Assert.Equal(3, Assert.IsType<int>(headers[MessageHeaders.RedeliveryCount]));
        Assert.Equal("2026-11-25T10:00:00Z", Assert.IsType<string>(headers["MT-Fault-Timestamp"]));
        Assert.Equal(9007199254740993L, Assert.IsType<long>(headers["X-Big"]));
        Assert.Equal(0.25, Assert.IsType<double>(headers["X-Ratio"]));
        Assert.True(Assert.IsType<bool>(headers["X-Flag"]));
        Assert.Equal("[1,2]", Assert.IsType<JsonElement>(headers["X-List"]).GetRawText());
        Assert.Equal("5b0b8f3e-9f6a-4a36-9d55-0f0f4d1b8c11", headers["X-Guid"]);
        Assert.False(headers.ContainsKey("X-Null"));
    }
}
